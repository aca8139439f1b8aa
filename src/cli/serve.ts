/** `portcullis serve [--config FILE]`: runs the gateway; SIGTERM drains in-flight requests, then exits 0. */
import { flag, parseArgs, UsageError } from './args.js';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import { createLogger } from '../log.js';
import { startServer } from '../main.js';

export async function serveCommand(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['config'] });
  if (p.positional.length > 0) throw new UsageError(`serve takes no arguments, got ${p.positional.join(' ')}`);
  const config = loadConfig(resolveConfigPath(flag(p, 'config')));
  const logger = createLogger(config.logging.level);
  const gw = await startServer(config, logger);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down', { signal });
      let closed = false;
      // Bounded: a close that hangs, or a handle left open after it, must not outlive the drain.
      const deadline = config.server.shutdownDelay + config.server.shutdownTimeout + 10_000;
      setTimeout(() => {
        logger.error(closed ? 'handles still open after shutdown; exiting' : 'shutdown did not finish in time; exiting', { ms: deadline });
        process.exit(closed ? 0 : 2);
      }, deadline).unref();
      gw.close().then(() => { closed = true; resolve(); }, (e) => { logger.error('shutdown failed', { error: e }); resolve(); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
