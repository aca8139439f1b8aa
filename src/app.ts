/** Koa middleware order only: access log/metrics (and its observers: tracing) → errors → loop guard → auth → routes. */
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { Logger } from './log.js';
import type { Metrics } from './telemetry/metrics.js';
import { accessLog } from './http/access-log.js';
import type { RequestObserver } from './http/request-observer.js';
import { errorMiddleware } from './http/error-middleware.js';
import { viaLoopGuard } from './http/via.js';
import { RegistryError } from './errors.js';

export interface AppParts {
  logger: Logger;
  metrics: Metrics;
  viaToken: string;
  /** watch every request from outside the error writer (tracing), in the access log's frame */
  observers?: RequestObserver[];
  /** middleware that runs before any route (telemetry, auth, …) in order */
  before?: Middleware[];
  routes: Middleware[];
}

export function createApp(parts: AppParts): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.on('error', () => {}); // errors are written and logged by errorMiddleware
  app.use(accessLog(parts.metrics, parts.logger, parts.observers));
  app.use(errorMiddleware(parts.logger));
  app.use(viaLoopGuard(parts.viaToken));
  for (const m of parts.before ?? []) app.use(m);
  for (const m of parts.routes) app.use(m);
  app.use(async (ctx) => {
    throw new RegistryError('NAME_UNKNOWN', `no such endpoint: ${ctx.method} ${ctx.path.slice(0, 200)}`, { status: 404 });
  });
  return app;
}
