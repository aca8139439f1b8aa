/**
 * Entry for the gate benchmark: the gateway core plus the gate extension only (no auth, no
 * telemetry extension), as a real process: `node --import tsx bench/gate-server.ts CONFIG`.
 * With GATE=off the same process runs the gateway core alone (the baseline for the gate's cost).
 * Prints the usual `"msg":"listening"` line; SIGTERM closes it.
 */
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/telemetry/metrics.js';
import { startGateway } from '../src/gateway.js';
import { createGate } from '../src/gate/wire.js';

const config = loadConfig(process.argv[2] ?? '');
const logger = createLogger(config.logging.level);
const gw = await startGateway(config, { logger, metrics: createMetrics({ defaultMetrics: true }), extend: process.env.GATE === 'off' ? async () => ({}) : (core) => createGate(core) });
await new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});
await gw.close();
