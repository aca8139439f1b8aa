/** Content digests: sha256/sha512 of exact bytes. */
import { createHash } from 'node:crypto';

export function algorithmOf(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
  return digestOf(bytes, algorithmOf(digest)) === digest;
}
