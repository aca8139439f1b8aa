/** Turns anything thrown below into an OCI error body (or a bare status for HEAD). */
import type { Context, Next } from 'koa';
import { errorBody, toRegistryError, isRegistryError } from '../errors.js';
import type { Logger } from '../log.js';

export function errorMiddleware(logger: Logger) {
  return async function errors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (e) {
      const err = toRegistryError(e);
      if (!isRegistryError(e)) logger.error('unhandled error', { method: ctx.method, path: ctx.path.slice(0, 300), error: (e as Error)?.stack ?? String(e) });
      if (ctx.headerSent || !ctx.writable) { ctx.res.destroy(); return; }
      ctx.status = err.status;
      for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
      ctx.set('Docker-Distribution-API-Version', 'registry/2.0');
      ctx.type = 'application/json';
      ctx.body = errorBody(err);
      ctx.state.errorCode = err.code;
    }
  };
}
