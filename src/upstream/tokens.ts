/**
 * The registry token dance: fetch a Bearer token for a challenge's realm/service/scope,
 * anonymously or with Basic credentials, and cache it per scope until it expires.
 * Concurrent requests for the same scope share one token fetch.
 */
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Challenge } from './challenge.js';

export interface TokenFetcher {
  /** `trace`: the upstream request that needs the token (the token request is its child span) */
  (url: string, headers: Record<string, string>, trace: TraceContext): Promise<{ status: number; json: () => Promise<unknown> }>;
}

interface CachedToken { token: string; expiresAt: number }

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly fetcher: TokenFetcher, private readonly credentials?: { username: string; password: string }, private readonly now: () => number = Date.now) {}

  private key(realm: string, service: string, scope: string): string {
    return `${realm}\n${service}\n${scope}`;
  }

  /** A still-valid cached token for this scope under any realm seen before, if any. */
  cachedFor(scope: string): string | undefined {
    for (const [k, v] of this.tokens) {
      if (k.endsWith('\n' + scope) && v.expiresAt > this.now()) return v.token;
    }
    return undefined;
  }

  async get(challenge: Challenge, fallbackScope: string, trace: TraceContext): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new Error(`upstream sent a Bearer challenge without a usable realm (${JSON.stringify(realm ?? '')})`);
    const service = challenge.params.service ?? '';
    const scope = challenge.params.scope ?? fallbackScope;
    const key = this.key(realm, service, scope);
    const hit = this.tokens.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.token;
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const p = this.fetchToken(realm, service, scope, trace).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    const token = await p;
    return token;
  }

  invalidate(scope: string): void {
    for (const k of [...this.tokens.keys()]) if (k.endsWith('\n' + scope)) this.tokens.delete(k);
  }

  private async fetchToken(realm: string, service: string, scope: string, trace: TraceContext): Promise<string> {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    if (scope) for (const s of scope.split(' ')) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.credentials) headers.authorization = 'Basic ' + Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64');
    const res = await this.fetcher(url.toString(), headers, trace);
    if (res.status !== 200) throw new Error(`token endpoint ${url.origin}${url.pathname} answered ${res.status}${this.credentials ? ' (check the upstream username/password)' : ''}`);
    const body = (await res.json()) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new Error(`token endpoint ${url.origin}${url.pathname} returned no token`);
    // The spec's default lifetime is 60 s; renew 10 s early and never cache longer than an hour.
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    const ttlMs = Math.min(3600, Math.max(1, lifetime - 10)) * 1000;
    this.tokens.set(this.key(realm, service, scope), { token, expiresAt: this.now() + ttlMs });
    return token;
  }
}
