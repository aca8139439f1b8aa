/** /healthz (alive), /readyz (ready to serve: dependencies answer), the metrics endpoint. */
import type { Context, Next } from 'koa';
import type { Metrics } from '../telemetry/metrics.js';

export interface ReadinessCheck { name: string; check: () => Promise<string | undefined> /* undefined = ok, else why not */ }

export function healthRoutes(opts: { metrics: Metrics; metricsPath: string; readiness: () => ReadinessCheck[]; draining: () => boolean }) {
  return async function health(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/healthz') {
      ctx.state.route = 'healthz';
      ctx.type = 'application/json';
      ctx.body = '{"status":"ok"}';
      return;
    }
    if (ctx.path === '/readyz') {
      ctx.state.route = 'readyz';
      const problems: Record<string, string> = {};
      if (opts.draining()) problems.server = 'shutting down';
      for (const c of opts.readiness()) {
        try {
          const why = await c.check();
          if (why) problems[c.name] = why;
        } catch (e) {
          problems[c.name] = (e as Error).message;
        }
      }
      const ok = Object.keys(problems).length === 0;
      ctx.status = ok ? 200 : 503;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(ok ? { status: 'ready' } : { status: 'not ready', problems });
      return;
    }
    if (ctx.path === opts.metricsPath) {
      ctx.state.route = 'metrics';
      ctx.type = opts.metrics.registry.contentType;
      ctx.body = await opts.metrics.registry.metrics();
      return;
    }
    return next();
  };
}
