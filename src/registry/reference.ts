/**
 * The OCI distribution grammar for repository names, tags and digests.
 * Everything a client sends is checked here before it can reach an upstream or the disk.
 */
import { RegistryError } from '../errors.js';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
export const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
export const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
export const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;
const SHA512_HEX = /^[a-f0-9]{128}$/;
export const MAX_NAME_LENGTH = 255;

export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

export function checkName(name: string): string {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new RegistryError('NAME_INVALID', `invalid repository name: length ${name.length} is outside 1..${MAX_NAME_LENGTH}`);
  }
  if (!NAME_RE.test(name)) {
    throw new RegistryError('NAME_INVALID', `invalid repository name ${JSON.stringify(name.slice(0, 80))}: expected lowercase path components [a-z0-9] separated by ".", "_", "__", "-" or "/"`);
  }
  return name;
}

/** A digest the gateway accepts: sha256 or sha512 with the right hex length. */
export function checkDigest(digest: string, code: 'DIGEST_INVALID' | 'MANIFEST_UNKNOWN' = 'DIGEST_INVALID'): string {
  const [alg, hex] = digest.split(':', 2);
  const ok = DIGEST_RE.test(digest) && ((alg === 'sha256' && SHA256_HEX.test(hex ?? '')) || (alg === 'sha512' && SHA512_HEX.test(hex ?? '')));
  if (!ok) {
    throw new RegistryError(code === 'DIGEST_INVALID' ? 'DIGEST_INVALID' : code, `invalid digest ${JSON.stringify(digest.slice(0, 140))}: expected sha256:<64 hex> or sha512:<128 hex>`, { status: 400 });
  }
  return digest;
}

export function isDigest(ref: string): boolean {
  return ref.includes(':');
}

export function parseReference(ref: string): Reference {
  if (isDigest(ref)) return { kind: 'digest', digest: checkDigest(ref) };
  if (!TAG_RE.test(ref)) {
    throw new RegistryError('MANIFEST_INVALID', `invalid tag ${JSON.stringify(ref.slice(0, 140))}: expected [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, { status: 400 });
  }
  return { kind: 'tag', tag: ref };
}

export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
