/**
 * The secret part of an access token: `pcs_` + 32 random bytes in base64url (256 bits of entropy).
 *
 * Only `sha256(token)` is ever stored. A fast hash is the right tool here, unlike for passwords:
 * slow KDFs (bcrypt, argon2) exist to make guessing *low-entropy* secrets expensive, but a random
 * 256-bit token cannot be guessed or brute-forced from its hash at any speed. A fast hash also lets
 * the gateway find a token by its hash on every request without a per-request KDF cost.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'pcs_';
const TOKEN_RE = /^pcs_[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Looks like a token this gateway issues (cheap shape check before hashing). */
export function isTokenShaped(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** `sha256:<hex>` of the token text. */
export function hashToken(token: string): string {
  return 'sha256:' + hash('sha256', token, 'hex');
}

/** Constant-time comparison of two stored-form hashes (`sha256:<64 hex>`); `b` may be pre-encoded. */
export function hashesEqual(a: string, b: string | Buffer): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A short random id for a token entry (goes into JWTs; not secret, not derived from the token). */
export function newTokenId(): string {
  return randomBytes(9).toString('base64url');
}
