/** Builds every layer for `serve`: the gateway core plus the extensions later layers add. */
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { startGateway, type Gateway } from './gateway.js';

export async function startServer(config: Config, logger: Logger): Promise<Gateway> {
  return startGateway(config, { logger });
}
