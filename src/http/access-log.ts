/** Request metrics, one log line per request that failed or was slow, and the request observers (tracing). */
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { traceLogFields } from '../telemetry/trace-context.js';
import type { RequestObserver } from './request-observer.js';

export function accessLog(metrics: Metrics, logger: Logger, observers: readonly RequestObserver[] = []) {
  return async function access(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    for (let i = 0; i < observers.length; i++) observers[i]!.begin(ctx);
    let thrown: unknown;
    try {
      await next();
    } catch (e) {
      thrown = e;
      throw e;
    } finally {
      // observers first: the server span's context is what the log line below names
      for (let i = 0; i < observers.length; i++) observers[i]!.end(ctx, thrown);
      const route = (ctx.state.route as string | undefined) ?? (ctx.path.startsWith('/v2') ? 'v2' : 'other');
      const done = () => {
        const seconds = (performance.now() - started) / 1000;
        metrics.httpRequests.inc({ route, method: ctx.method, status: String(ctx.status) });
        metrics.httpDuration.observe({ route, method: ctx.method }, seconds);
        if (ctx.status >= 400 || seconds > 5) {
          logger.info('request', { method: ctx.method, path: ctx.path.slice(0, 300), status: ctx.status, code: ctx.state.errorCode, ms: Math.round(seconds * 1000), repository: ctx.state.repository, principal: ctx.state.principal, ...traceLogFields(ctx.state.trace) });
        }
      };
      if (ctx.respond === false && !ctx.res.writableFinished) ctx.res.once('close', done);
      else done();
    }
  };
}
