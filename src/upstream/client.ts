/**
 * One client per upstream registry: auth (Bearer token dance, Basic), custom CA / insecure,
 * timeouts, bounded retries for idempotent requests, a circuit breaker, server-side redirects
 * (S3/CDN 307) and a Via header against loops.
 */
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { UpstreamConfig } from '../config/schema.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../log.js';
import { parseChallenges } from './challenge.js';
import { TokenCache } from './tokens.js';
import { CircuitBreaker } from './breaker.js';
import { UpstreamError } from './upstream-error.js';
import { PORTCULLIS_VERSION } from '../version.js';
import { tracedUpstream } from '../telemetry/spans.js';
import { NO_TRACE, type TraceContext } from '../telemetry/trace-context.js';
import { bulkGet } from './bulk-get.js';
import { readSlabs } from '../buffers/slab-pool.js';

export type UpstreamKind = 'manifest' | 'blob' | 'token' | 'tags' | 'referrers' | 'ping';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { text(): Promise<string>; json(): Promise<unknown>; dump(): Promise<void> };
  /** final URL after redirects */
  url: string;
}

/** An answer from undici or from the bulk reader, before redirects are followed. */
interface RawResponse { statusCode: number; headers: UpstreamResponse['headers']; body: UpstreamResponse['body'] }

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** repository for the auth scope */
  repository?: string;
  signal?: AbortSignal;
  /** the trace the request belongs to (its span is a child) */
  trace?: TraceContext;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRYABLE = new Set([502, 503, 504]);
const MAX_REDIRECTS = 5;

export function header(h: UpstreamResponse['headers'], name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function retryAfterSeconds(h: UpstreamResponse['headers']): number | undefined {
  const v = header(h, 'retry-after');
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const d = Date.parse(v);
  return Number.isNaN(d) ? undefined : Math.max(0, Math.ceil((d - Date.now()) / 1000));
}

export class UpstreamClient {
  readonly baseUrl: string;
  readonly breaker: CircuitBreaker;
  private readonly agent: Agent;
  private readonly ca: string | undefined;
  private readonly tokens: TokenCache;
  private readonly basic?: string;
  /** hosts that asked for Basic: send it up front */
  private useBasic = false;

  constructor(
    readonly name: string,
    private readonly cfg: UpstreamConfig,
    private readonly deps: { metrics: Metrics; logger: Logger; via: string },
  ) {
    this.baseUrl = cfg.url.replace(/\/+$/, '');
    const ca = cfg.ca ? readFileSync(cfg.ca, 'utf8') : undefined;
    this.ca = ca;
    this.agent = new Agent({
      connect: { ...(ca ? { ca } : {}), rejectUnauthorized: !cfg.insecure, timeout: cfg.timeout },
      headersTimeout: cfg.timeout,
      bodyTimeout: cfg.timeout,
      keepAliveTimeout: 30_000,
      connections: 64,
    });
    this.breaker = new CircuitBreaker(cfg.maxFailures, cfg.breakerCooldown);
    const creds = cfg.username !== undefined && cfg.password !== undefined ? { username: cfg.username, password: cfg.password } : undefined;
    if (creds) this.basic = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    this.tokens = new TokenCache(async (url, headers, trace) => {
      const started = performance.now();
      const res = await tracedUpstream(trace, { upstream: name, kind: 'token', method: 'GET', url }, () => this.raw('GET', url, { ...headers, accept: 'application/json' }), (r) => r.statusCode);
      deps.metrics.upstreamDuration.observe({ upstream: name, kind: 'token' }, (performance.now() - started) / 1000);
      deps.metrics.upstreamRequests.inc({ upstream: name, kind: 'token', status: String(res.statusCode) });
      return { status: res.statusCode, json: () => res.body.json() };
    }, creds);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Blob GETs (`bulk`) read with large buffers (see bulk-get.ts); everything else goes through undici. */
  private async raw(method: string, url: string, headers: Record<string, string>, signal?: AbortSignal, bulk = false): Promise<RawResponse> {
    if (bulk && method === 'GET') return bulkGet(url, headers, { ca: this.ca, rejectUnauthorized: !this.cfg.insecure, timeout: this.cfg.timeout, signal, pool: readSlabs });
    const res = await request(url, { method: method as Dispatcher.HttpMethod, headers, dispatcher: this.agent, signal });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body as unknown as UpstreamResponse['body'] };
  }

  /** A request to `path` (starting with /v2/) with auth, retries, breaker and redirects; one client span. */
  request(kind: UpstreamKind, path: string, opts: RequestOptions = {}): Promise<UpstreamResponse> {
    return tracedUpstream(opts.trace ?? NO_TRACE, { upstream: this.name, kind, method: opts.method ?? 'GET', url: this.baseUrl + path }, (trace) => this.send(kind, path, opts, trace), (r) => r.status);
  }

  private async send(kind: UpstreamKind, path: string, opts: RequestOptions, trace: TraceContext): Promise<UpstreamResponse> {
    const method = opts.method ?? 'GET';
    let attempt = 0;
    for (;;) {
      if (!this.breaker.allow()) {
        const ra = Math.ceil(this.breaker.retryAfterMs() / 1000);
        throw new UpstreamError(this.name, 'breaker', `upstream ${this.name} (${this.baseUrl}) is failing; requests are paused for ${ra}s`, 503, Math.max(1, ra));
      }
      this.deps.metrics.breakerOpen.set({ upstream: this.name }, 0);
      const started = performance.now();
      try {
        const res = await this.once(kind, method, this.baseUrl + path, opts, trace);
        this.deps.metrics.upstreamDuration.observe({ upstream: this.name, kind }, (performance.now() - started) / 1000);
        this.deps.metrics.upstreamRequests.inc({ upstream: this.name, kind, status: String(res.status) });
        if (res.status >= 500) {
          this.breaker.failure();
          if (RETRYABLE.has(res.status) && attempt < this.cfg.retries) {
            await res.body.dump().catch(() => {});
            await backoff(attempt++, opts.signal);
            continue;
          }
        } else {
          this.breaker.success();
        }
        return res;
      } catch (e) {
        if (e instanceof UpstreamError && e.failure === 'auth') { this.breaker.success(); throw e; }
        this.deps.metrics.upstreamRequests.inc({ upstream: this.name, kind, status: 'error' });
        this.breaker.failure();
        if (this.breaker.state === 'open') this.deps.metrics.breakerOpen.set({ upstream: this.name }, 1);
        const err = e as NodeJS.ErrnoException;
        const timeout = err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_CONNECT_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
        if (attempt < this.cfg.retries && !opts.signal?.aborted) {
          await backoff(attempt++, opts.signal);
          continue;
        }
        throw new UpstreamError(this.name, timeout ? 'timeout' : 'network',
          `upstream ${this.name} (${this.baseUrl}) ${timeout ? 'timed out' : 'is unreachable'}: ${err.code ?? err.message}`, timeout ? 504 : 502);
      }
    }
  }

  private async once(kind: UpstreamKind, method: string, url: string, opts: RequestOptions, trace: TraceContext): Promise<UpstreamResponse> {
    const scope = opts.repository ? `repository:${opts.repository}:pull` : '';
    const headers: Record<string, string> = {
      'user-agent': `portcullis/${PORTCULLIS_VERSION}`,
      via: this.deps.via,
      ...opts.headers,
    };
    const bearer = scope ? this.tokens.cachedFor(scope) : undefined;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    else if (this.useBasic && this.basic) headers.authorization = this.basic;

    const bulk = kind === 'blob';
    let res = await this.follow(method, url, headers, opts.signal, bulk);
    if (res.status === 401) {
      const challenges = parseChallenges(res.headers['www-authenticate']);
      await res.body.dump().catch(() => {});
      const bearerCh = challenges.find((c) => c.scheme === 'bearer');
      const basicCh = challenges.find((c) => c.scheme === 'basic');
      if (bearerCh) {
        if (scope) this.tokens.invalidate(scope);
        let token: string;
        try {
          token = await this.tokens.get(bearerCh, scope, trace);
        } catch (e) {
          throw new UpstreamError(this.name, 'auth', `upstream ${this.name}: ${(e as Error).message}`, 502);
        }
        res = await this.follow(method, url, { ...headers, authorization: `Bearer ${token}` }, opts.signal, bulk);
      } else if (basicCh && this.basic) {
        this.useBasic = true;
        res = await this.follow(method, url, { ...headers, authorization: this.basic }, opts.signal, bulk);
      }
    }
    return res;
  }

  /** Follows redirects on the server side; Authorization is dropped when the host changes (CDN URLs are pre-signed). */
  private async follow(method: string, url: string, headers: Record<string, string>, signal?: AbortSignal, bulk = false): Promise<UpstreamResponse> {
    let current = url;
    let h = headers;
    for (let i = 0; ; i++) {
      const res = await this.raw(method, current, h, signal, bulk);
      if (!REDIRECTS.has(res.statusCode)) {
        return { status: res.statusCode, headers: res.headers, body: res.body, url: current };
      }
      const loc = res.headers.location;
      await res.body.dump().catch(() => {});
      if (!loc || i >= MAX_REDIRECTS) throw new UpstreamError(this.name, 'status', `upstream ${this.name} sent ${i >= MAX_REDIRECTS ? 'too many redirects' : 'a redirect without Location'}`, 502);
      const next = new URL(Array.isArray(loc) ? loc[0]! : loc, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new UpstreamError(this.name, 'status', `upstream ${this.name} redirected to an unsupported scheme`, 502);
      if (next.protocol === 'http:' && !this.cfg.insecure && new URL(current).protocol === 'https:') {
        throw new UpstreamError(this.name, 'status', `upstream ${this.name} redirected from https to plain http`, 502);
      }
      if (next.host !== new URL(current).host) {
        const { authorization: _drop, ...rest } = h;
        h = rest;
      }
      current = next.toString();
    }
  }
}

export function upstreamErrorFromStatus(upstream: string, res: UpstreamResponse, what: string): UpstreamError {
  return new UpstreamError(upstream, 'status', `upstream ${upstream} answered ${res.status} for ${what}`, res.status, retryAfterSeconds(res.headers));
}

async function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  const ms = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

export { retryAfterSeconds };
