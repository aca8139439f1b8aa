/**
 * Verifies one sigstore bundle with @sigstore/verify, offline, against the
 * trusted root: keyless (Fulcio chain, SCT, Rekor SET or inclusion proof,
 * identity policy) or key-based (each allowed key is tried; Rekor when the
 * bundle has an entry, key-only otherwise). Returns a reason instead of throwing.
 */
import { verify as verifySignatureBytes, type KeyObject } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { Verifier, toSignedEntity, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { SignerIdentity } from './types.js';
import type { NamedPublicKey } from './trust-config.js';
import { matchIdentity, type CompiledIdentity } from './identity-policy.js';
import { errorMessage } from './checked-fetch.js';

export interface TrustSelection {
  keys: NamedPublicKey[];
  identities: CompiledIdentity[];
  requireTransparencyLog: boolean;
}

export type BundleCheck = { ok: true; signer: SignerIdentity; bundle: Bundle } | { ok: false; error: string };

const KEYLESS = { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 };
const KEY_WITH_TLOG = { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 };
const KEY_ONLY = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };

/** `artifact` is the signed bytes of a message-signature bundle (unused for DSSE). */
export function verifySigstoreBundle(
  trust: TrustMaterial,
  bundleJson: unknown,
  artifact: Buffer | undefined,
  selection: TrustSelection,
): BundleCheck {
  let bundle: Bundle;
  let entity: SignedEntity;
  try {
    bundle = bundleFromJSON(bundleJson);
    entity = withPureEdDsa(toSignedEntity(bundle, artifact), bundle, artifact);
  } catch (err) {
    return { ok: false, error: `malformed sigstore bundle: ${describe(err)}` };
  }
  const material = bundle.verificationMaterial.content;
  if (material.$case === 'publicKey') return verifyWithKeys(trust, bundle, entity, selection);
  if (selection.identities.length === 0) {
    return { ok: false, error: 'keyless signature, but no keyless identity is allowed for this repository' };
  }
  if (entity.timestamps.length === 0) {
    return { ok: false, error: 'certificate signature without a Rekor entry or RFC 3161 timestamp: signing time unprovable' };
  }
  try {
    const signer = new Verifier(trust, KEYLESS).verify(entity);
    const match = matchIdentity(selection.identities, signer.identity);
    if ('error' in match) return { ok: false, error: match.error };
    return {
      ok: true,
      bundle,
      signer: { issuer: match.matched.issuer, subject: signer.identity?.subjectAlternativeName ?? '' },
    };
  } catch (err) {
    return { ok: false, error: describe(err) };
  }
}

function verifyWithKeys(
  trust: TrustMaterial,
  bundle: Bundle,
  entity: SignedEntity,
  selection: TrustSelection,
): BundleCheck {
  if (selection.keys.length === 0) {
    return { ok: false, error: 'key-based signature, but no public key is allowed for this repository' };
  }
  const hasTlog = bundle.verificationMaterial.tlogEntries.length > 0;
  if (selection.requireTransparencyLog && !hasTlog) {
    return { ok: false, error: 'key-based signature without a Rekor entry, and this repository requires one' };
  }
  const failures = new Map<string, string[]>();
  for (const { name, key } of selection.keys) {
    const material: TrustMaterial = { ...trust, publicKey: () => ({ publicKey: key, validFor: () => true }) };
    try {
      new Verifier(material, hasTlog ? KEY_WITH_TLOG : KEY_ONLY).verify(entity);
      return { ok: true, bundle, signer: { key: name } };
    } catch (err) {
      const reason = describe(err);
      failures.set(reason, [...(failures.get(reason) ?? []), name]);
    }
  }
  const onlyWrongKey = failures.size === 1 && failures.has(SIGNATURE_MISMATCH);
  if (onlyWrongKey) {
    return { ok: false, error: `signature does not verify with any allowed key (${selection.keys.map((k) => k.name).join(', ')}): wrong key or tampered payload` };
  }
  return { ok: false, error: [...failures].map(([reason, names]) => `${reason} [key ${names.join(', ')}]`).join('; ') };
}

const SIGNATURE_MISMATCH = 'signature does not verify (tampered payload or wrong key)';

/** Turns @sigstore/verify and @sigstore/bundle errors into one-line reasons. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = errorMessage(err);
  switch (code) {
    case 'SIGNATURE_ERROR':
      return SIGNATURE_MISMATCH;
    case 'TIMESTAMP_ERROR':
      return `timestamp not verifiable with the trusted root (stale or wrong trusted root?): ${message}`;
    case 'CERTIFICATE_ERROR':
      return `certificate rejected by the trusted root (untrusted CA or stale trusted root?): ${message}`;
    case 'TLOG_INCLUSION_PROMISE_ERROR':
    case 'TLOG_INCLUSION_PROOF_ERROR':
    case 'TLOG_MISSING_INCLUSION_ERROR':
      return `Rekor entry not verifiable with the trusted root's logs: ${message}`;
    case 'TLOG_BODY_ERROR':
      return `Rekor entry does not match the signature: ${message}`;
    case 'TLOG_ERROR':
      return `transparency log: ${message}`;
    case 'PUBLIC_KEY_ERROR':
      return `public key: ${message}`;
    case 'UNTRUSTED_SIGNER_ERROR':
      return `identity mismatch: ${message}`;
    default: {
      const fields = (err as { fields?: unknown }).fields;
      return Array.isArray(fields) && fields.length > 0 ? `${message} (${fields.join(', ')})` : message;
    }
  }
}

/**
 * sigstore-js verifies message signatures with a digest algorithm, which Node
 * refuses for Ed25519/Ed448 keys; cosign signs the payload with pure EdDSA.
 * Everything else (tlog body comparison, other key types) is left to sigstore-js.
 */
function withPureEdDsa(entity: SignedEntity, bundle: Bundle, artifact: Buffer | undefined): SignedEntity {
  if (bundle.content.$case !== 'messageSignature' || artifact === undefined) return entity;
  const content = entity.signature;
  return {
    ...entity,
    signature: {
      signature: content.signature,
      compareSignature: (s: Buffer) => content.compareSignature(s),
      compareDigest: (d: Buffer) => content.compareDigest(d),
      verifySignature: (key: KeyObject) => (isEdDsa(key) ? pureEdDsa(artifact, key, content.signature) : content.verifySignature(key)),
    },
  };
}

function isEdDsa(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448';
}

function pureEdDsa(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verifySignatureBytes(null, data, key, signature);
  } catch {
    return false;
  }
}
