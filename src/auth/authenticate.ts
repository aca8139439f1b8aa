/**
 * Who is calling: a token (directly or through a JWT from /token) or nobody. Messages say why not.
 *
 * Keep-alive connections (containerd, podman, wrk) send the same Authorization header on every
 * request: the result is remembered per connection (a WeakMap on the socket, gone with it) and
 * reused while the header is identical, the token set has not changed and nothing has expired.
 */
import type { JwtCodec } from './jwt.js';
import type { StoredToken, TokenStore } from './token-store.js';
import { presentedCredential } from './credentials.js';

export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'token'; token: StoredToken; via: 'token' | 'jwt' };

const ANONYMOUS: Identity = { kind: 'anonymous' };
const ANONYMOUS_RESULT: AuthnResult = { ok: true, identity: ANONYMOUS };

export type AuthnFailure = 'malformed' | 'invalid' | 'expired' | 'revoked';

export type AuthnResult =
  | { ok: true; identity: Identity }
  | { ok: false; reason: AuthnFailure; message: string; name?: string };

function expiredMessage(t: StoredToken): string {
  return `token '${t.name}' expired at ${new Date(t.expiresAt!).toISOString()}: ask an administrator for a new one`;
}

interface Remembered {
  authorization: string;
  generation: number;
  /** ms; the identity must be checked again from then on */
  until: number;
  result: AuthnResult;
}

export class Authenticator {
  private readonly byConnection = new WeakMap<object, Remembered>();

  constructor(private readonly store: TokenStore, private readonly jwt: JwtCodec) {}

  /** `authenticate`, remembered per connection for an identical header; answers synchronously when it can. */
  authenticateOn(connection: object, authorization: string | undefined, now = Date.now()): AuthnResult | Promise<AuthnResult> {
    if (authorization === undefined) return ANONYMOUS_RESULT;
    const r = this.byConnection.get(connection);
    if (r && r.authorization === authorization && r.generation === this.store.generation && now < r.until) return r.result;
    return this.authenticateAndRemember(connection, authorization, now);
  }

  private async authenticateAndRemember(connection: object, authorization: string, now: number): Promise<AuthnResult> {
    const generation = this.store.generation;
    const result = await this.authenticate(authorization, now);
    if (result.ok && result.identity.kind === 'token') {
      const t = result.identity.token;
      const jwtExp = result.identity.via === 'jwt' ? this.jwt.expiryOf(authorization) : Infinity;
      if (jwtExp !== undefined) {
        const until = Math.min(t.expiresAt ?? Infinity, jwtExp, now + 60_000);
        this.byConnection.set(connection, { authorization, generation, until, result });
      }
    }
    return result;
  }

  /** Checks a raw token secret (from a header or a /token request). */
  checkSecret(secret: string, now = Date.now()): AuthnResult {
    const t = this.store.findBySecret(secret);
    if (!t) return { ok: false, reason: 'invalid', message: 'invalid token: unknown or revoked' };
    if (t.expiresAt !== null && t.expiresAt <= now) return { ok: false, reason: 'expired', message: expiredMessage(t), name: t.name };
    return { ok: true, identity: { kind: 'token', token: t, via: 'token' } };
  }

  async authenticate(authorization: string | undefined, now = Date.now()): Promise<AuthnResult> {
    const p = presentedCredential(authorization);
    switch (p.kind) {
      case 'none':
        return { ok: true, identity: ANONYMOUS };
      case 'malformed':
        return { ok: false, reason: 'malformed', message: p.why };
      case 'token':
        return this.checkSecret(p.secret, now);
      case 'jwt': {
        const v = await this.jwt.verify(p.jwt, now);
        if (!v.ok) return { ok: false, reason: v.reason === 'expired' ? 'expired' : 'invalid', message: v.why };
        const t = this.store.findById(v.claims.tid);
        if (!t || t.name !== v.claims.sub) return { ok: false, reason: 'revoked', message: `token '${v.claims.sub.slice(0, 64)}' has been revoked`, name: v.claims.sub.slice(0, 64) };
        if (t.expiresAt !== null && t.expiresAt <= now) return { ok: false, reason: 'expired', message: expiredMessage(t), name: t.name };
        return { ok: true, identity: { kind: 'token', token: t, via: 'jwt' } };
      }
    }
  }
}
