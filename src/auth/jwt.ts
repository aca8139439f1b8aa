/**
 * Short-lived JWTs for the Docker token flow (HS256 via jose). The key is `auth.jwtSecret` when set
 * (required when several replicas sit behind one load balancer: a JWT from one must verify at the
 * others), else 32 random bytes per process (JWTs then die with the process; clients just fetch a
 * new one on the next 401).
 *
 * A JWT names the token it was exchanged for (`sub` = token name, `tid` = token entry id); every
 * request re-checks that token in the live store, so revoking the token revokes its JWTs too.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export const JWT_ISSUER = 'portcullis';
const ALG = 'HS256';
const CACHE_MAX = 10_000;

export interface JwtClaims {
  sub: string;
  tid: string;
  /** seconds since epoch */
  exp: number;
}

export type JwtCheck = { ok: true; claims: JwtClaims } | { ok: false; reason: 'expired' | 'invalid'; why: string };

export class JwtCodec {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, JwtClaims>();

  constructor(secret: string | undefined, readonly ttlMs: number) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  /** Signs a JWT for `claims.sub`; `expiresAt` (ms) caps the lifetime (the token's own expiry). */
  async sign(opts: { sub: string; tid: string; audience: string; access: unknown[]; expiresAt: number | null; now?: number }): Promise<{ jwt: string; expiresIn: number; issuedAt: Date }> {
    const now = opts.now ?? Date.now();
    const exp = Math.min(now + this.ttlMs, opts.expiresAt ?? Infinity);
    const expSeconds = Math.floor(exp / 1000);
    const jwt = await new SignJWT({ tid: opts.tid, access: opts.access })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(JWT_ISSUER)
      .setSubject(opts.sub)
      .setAudience(opts.audience)
      .setIssuedAt(Math.floor(now / 1000))
      .setNotBefore(Math.floor(now / 1000) - 5)
      .setExpirationTime(expSeconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.key);
    return { jwt, expiresIn: Math.max(0, expSeconds - Math.floor(now / 1000)), issuedAt: new Date(now) };
  }

  /** Expiry (ms) of a JWT this codec verified recently (`Bearer ` prefix allowed), else undefined. */
  expiryOf(authorization: string): number | undefined {
    const exp = this.verified.get(authorization.replace(/^bearer\s+/i, '').trim())?.exp;
    return exp === undefined ? undefined : exp * 1000;
  }

  async verify(jwt: string, now = Date.now()): Promise<JwtCheck> {
    const cached = this.verified.get(jwt);
    if (cached) {
      if (cached.exp * 1000 > now) return { ok: true, claims: cached };
      this.verified.delete(jwt);
      return { ok: false, reason: 'expired', why: 'the token from /token has expired' };
    }
    try {
      const { payload } = await jwtVerify(jwt, this.key, { algorithms: [ALG], issuer: JWT_ISSUER, currentDate: new Date(now), requiredClaims: ['sub', 'exp', 'tid'] });
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || typeof payload.exp !== 'number') {
        return { ok: false, reason: 'invalid', why: 'the token from /token is missing claims' };
      }
      const claims: JwtClaims = { sub: payload.sub, tid: payload.tid, exp: payload.exp };
      if (this.verified.size >= CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(jwt, claims);
      return { ok: true, claims };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', why: 'the token from /token has expired' };
      return { ok: false, reason: 'invalid', why: 'the token from /token is not valid here (bad signature, issuer or format)' };
    }
  }
}
