/**
 * Loads the offline trust inputs once at start-up: the sigstore trusted root
 * (Fulcio CAs, Rekor and CT log keys, TSAs) and the named public keys.
 * Both functions throw one Error listing every problem (config is validated once).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import type { PublicKeyConfig } from './types.js';
import { ConfigProblemsError } from './config-problems.js';

export interface NamedPublicKey {
  name: string;
  key: KeyObject;
}

const TRUSTED_ROOT_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.\d+)?\+json/;

/** Reads trusted_root.json (a path) into @sigstore/verify trust material. */
export function loadTrustedRoot(path: string): TrustMaterial {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`trustedRoot ${path}: ${(err as Error).message}`);
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (typeof mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPE.test(mediaType)) {
    throw new Error(`trustedRoot ${path}: not a sigstore trusted root (mediaType ${String(mediaType)})`);
  }
  try {
    const material = toTrustMaterial(TrustedRoot.fromJSON(json));
    if (material.certificateAuthorities.length + material.tlogs.length === 0) {
      throw new Error('it lists no certificate authority and no transparency log');
    }
    return material;
  } catch (err) {
    throw new Error(`trustedRoot ${path}: ${(err as Error).message}`);
  }
}

/** Loads PEM keys (text or path). Accepts ECDSA P-256/P-384/P-521, Ed25519 and RSA ≥ 2048 bits. */
export function loadPublicKeys(configs: PublicKeyConfig[]): NamedPublicKey[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const keys: NamedPublicKey[] = [];
  for (const [i, config] of configs.entries()) {
    const where = `keys[${i}]${config?.name ? ` (${config.name})` : ''}`;
    if (typeof config?.name !== 'string' || config.name === '') {
      problems.push(`${where}: name is required`);
      continue;
    }
    if (seen.has(config.name)) problems.push(`${where}: duplicate key name`);
    seen.add(config.name);
    try {
      keys.push({ name: config.name, key: parsePublicKey(config.publicKey) });
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigProblemsError(problems);
  return keys;
}

function parsePublicKey(pemOrPath: unknown): KeyObject {
  if (typeof pemOrPath !== 'string' || pemOrPath.trim() === '') throw new Error('publicKey is required');
  const pem = pemOrPath.trimStart().startsWith('-----BEGIN') ? pemOrPath : readFileSync(pemOrPath, 'utf8');
  const key = createPublicKey(pem);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec' && ['prime256v1', 'secp384r1', 'secp521r1'].includes(details.namedCurve ?? '')) return key;
  if (type === 'ed25519') return key;
  if (type === 'rsa' && (details.modulusLength ?? 0) >= 2048) return key;
  throw new Error(`unsupported key type ${type}${details.namedCurve ? ` ${details.namedCurve}` : ''}${details.modulusLength ? ` ${details.modulusLength} bits` : ''}`);
}
