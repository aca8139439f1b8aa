/**
 * Defences against hostile clients, at two levels:
 *
 * The server (`createHardenedServer`): header size limit, timeouts for slow clients (slowloris:
 * headers must arrive within `headersTimeout`, the whole request within `requestTimeout`, checked
 * often enough for the limits to hold), CONNECT answered 405 and closed (no tunnels), and the
 * optional TLS listener with certificate reload.
 *
 * The request (`requestHardening`): absolute-form and asterisk-form request targets refused (this is
 * not a forward proxy), request bodies refused on /v2/ (pull-only), `X-Content-Type-Options:
 * nosniff` on every answer, and the HTML security headers on every HTML page (also usable alone by
 * a route: `htmlSecurityHeaders`).
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Context, Next } from 'koa';
import type { Config } from '../config/schema.js';
import { RegistryError } from '../errors.js';
import type { Logger } from '../log.js';
import { readKeyPair, reloadCertificateOnChange } from './tls.js';

export const HTML_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** Sets the HTML security headers on a response (for routes that write HTML themselves). */
/** Sets the HTML security headers a route has not set itself (a page may keep a stricter CSP). */
export function htmlSecurityHeaders(ctx: Context): void {
  for (const [k, v] of Object.entries(HTML_SECURITY_HEADERS)) if (!ctx.response.get(k)) ctx.set(k, v);
}

/** Middleware: every HTML response leaving it gets the HTML security headers. */
export function securityHeaders() {
  return async function security(ctx: Context, next: Next): Promise<void> {
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
    } finally {
      if (!ctx.headerSent && ctx.response.is('html')) htmlSecurityHeaders(ctx);
    }
  };
}

function hasBody(req: http.IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/** Middleware: refuses proxy-style targets and /v2/ request bodies; adds security headers. */
export function requestHardening() {
  const headers = securityHeaders();
  return async function hardening(ctx: Context, next: Next): Promise<void> {
    const target = ctx.req.url ?? '';
    if (!target.startsWith('/')) {
      throw new RegistryError('UNSUPPORTED', 'this gateway is not a proxy: only origin-form request targets (/path) are accepted', { status: 400, headers: { Connection: 'close' } });
    }
    if ((ctx.path === '/v2' || ctx.path.startsWith('/v2/')) && hasBody(ctx.req)) {
      const write = ctx.method !== 'GET' && ctx.method !== 'HEAD';
      throw new RegistryError('UNSUPPORTED', 'request bodies are not accepted: this registry is a read-only pull-through mirror', { status: write ? 405 : 400, headers: { Connection: 'close' } });
    }
    return headers(ctx, next);
  };
}

const CONNECT_BODY = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'CONNECT is not supported: this gateway is not a proxy' }] });

function refuseConnect(_req: http.IncomingMessage, socket: Socket): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(CONNECT_BODY)}\r\n\r\n${CONNECT_BODY}`);
}

export interface HardenedServer {
  server: http.Server;
  scheme: 'http' | 'https';
  /** stops certificate watching (the server itself is closed by its owner) */
  stop(): void;
}

/** Node's options for the limits; requestTimeout is raised to headersTimeout when set lower. */
export function serverOptions(limits: Config['server']['limits']): http.ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout === 0 ? 0 : Math.max(limits.requestTimeout, limits.headersTimeout),
    keepAliveTimeout: 65_000,
    // Node enforces the two timeouts on this tick; the default (30 s) would let them overrun.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeout / 4))),
  };
}

export async function createHardenedServer(server: Config['server'], handler: http.RequestListener, logger: Logger): Promise<HardenedServer> {
  const options = serverOptions(server.limits);
  let stop = () => {};
  let s: http.Server;
  if (server.tls) {
    const pair = await readKeyPair(server.tls);
    const tlsServer = https.createServer({ ...options, cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }, handler);
    stop = reloadCertificateOnChange(tlsServer, server.tls, pair, logger);
    s = tlsServer;
  } else {
    s = http.createServer(options, handler);
  }
  s.maxRequestsPerSocket = 0;
  s.on('connect', refuseConnect);
  return { server: s, scheme: server.tls ? 'https' : 'http', stop };
}
