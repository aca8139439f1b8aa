/**
 * GET / → the dashboard page; GET /dashboard.css, /favicon.svg → its stylesheet and icon. All are "page" paths for the
 * access layer (src/auth/access-areas.ts): with `auth.anonymous: false` they need a token with
 * `admin`, and an unauthenticated browser gets `WWW-Authenticate: Basic realm="portcullis"` (any
 * username, the token as password). HTML answers carry the security headers of src/http/hardening.ts.
 */
import type { Context, Next } from 'koa';
import type { TLSSocket } from 'node:tls';
import { RegistryError } from '../errors.js';
import { htmlSecurityHeaders } from '../http/hardening.js';
import { DASHBOARD_ICON_PATH, DASHBOARD_STYLESHEET, renderDashboard } from './page.js';
import { DASHBOARD_CSS, DASHBOARD_ICON } from './style.js';
import { PULL_LIMIT, type DashboardSource } from './types.js';
import { normaliseQuery, refreshSeconds } from './view.js';

export interface DashboardRouteOptions {
  now?: () => Date;
}

const ASSETS: Record<string, { route: string; type: string; body: string }> = {
  [DASHBOARD_STYLESHEET]: { route: 'dashboard_css', type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
  [DASHBOARD_ICON_PATH]: { route: 'dashboard_icon', type: 'image/svg+xml', body: DASHBOARD_ICON },
};

export function dashboardRoutes(source: DashboardSource, opts: DashboardRouteOptions = {}) {
  const now = opts.now ?? (() => new Date());
  return async function dashboard(ctx: Context, next: Next): Promise<void> {
    const asset = Object.hasOwn(ASSETS, ctx.path) ? ASSETS[ctx.path] : undefined;
    if (ctx.path !== '/' && !asset) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new RegistryError('UNSUPPORTED', `${ctx.method} is not supported on ${ctx.path}`, { headers: { Allow: 'GET, HEAD' } });
    }
    if (asset) {
      ctx.state.route = asset.route;
      ctx.status = 200;
      ctx.type = asset.type;
      ctx.set('Cache-Control', 'private, max-age=300');
      ctx.body = asset.body;
      return;
    }
    ctx.state.route = 'dashboard';
    const socket = ctx.req.socket as Partial<TLSSocket>;
    const snapshot = await source.snapshot({
      ...(ctx.get('authorization') ? { authorization: ctx.get('authorization') } : {}),
      ...(socket.localAddress ? { localAddress: socket.localAddress } : {}),
      ...(socket.localPort ? { localPort: socket.localPort } : {}),
      tls: socket.encrypted === true,
    }, PULL_LIMIT);
    const refresh = refreshSeconds(ctx.query.refresh);
    htmlSecurityHeaders(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderDashboard({ snapshot, query: normaliseQuery(ctx.query.q), ...(refresh ? { refresh } : {}), now: now() });
  };
}
