/** Refuses requests that already passed through this gateway (a mirror configured as its own upstream). */
import type { Context, Next } from 'koa';
import { RegistryError } from '../errors.js';

export function viaLoopGuard(viaToken: string) {
  return async function via(ctx: Context, next: Next): Promise<void> {
    const v = ctx.get('via');
    if (v && v.includes(viaToken)) {
      throw new RegistryError('UPSTREAM_ERROR', 'request loop: this gateway is configured as its own upstream', { status: 508 });
    }
    await next();
  };
}
