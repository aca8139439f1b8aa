/**
 * Decides what one discovered candidate proves about an image digest: a
 * verified signature (legacy simple-signing or cosign v3 bundle), a verified
 * attestation (any other in-toto predicate), or nothing (with a reason).
 */
import type { TrustMaterial } from '@sigstore/verify';
import type { SignatureFormat, SignerIdentity } from './types.js';
import type { SignatureCandidate } from './discover-signatures.js';
import { COSIGN_SIGN_PREDICATE } from './media-types.js';
import { SignatureSourceError } from './checked-fetch.js';
import { checkSimpleSigningPayload, legacySignatureToBundleJson } from './legacy-signature.js';
import { readStatementAbout } from './in-toto-statement.js';
import { verifySigstoreBundle, type TrustSelection } from './verify-bundle.js';

export type CandidateOutcome =
  | { kind: 'signature'; signer: SignerIdentity; format: SignatureFormat }
  | { kind: 'attestation'; signer: SignerIdentity; predicateType: string }
  | { kind: 'rejected'; error: string };

export function evaluateCandidate(
  trust: TrustMaterial,
  candidate: SignatureCandidate,
  imageDigest: string,
  selection: TrustSelection,
): CandidateOutcome {
  try {
    return candidate.format === 'legacy'
      ? evaluateLegacy(trust, candidate.payload, candidate.annotations, imageDigest, selection)
      : evaluateBundle(trust, candidate.bundle, imageDigest, selection);
  } catch (err) {
    if (!(err instanceof SignatureSourceError)) throw err;
    return { kind: 'rejected', error: err.message };
  }
}

function evaluateLegacy(
  trust: TrustMaterial,
  payload: Buffer,
  annotations: Record<string, string>,
  imageDigest: string,
  selection: TrustSelection,
): CandidateOutcome {
  checkSimpleSigningPayload(payload, imageDigest);
  const bundleJson = legacySignatureToBundleJson(payload, annotations);
  const check = verifySigstoreBundle(trust, bundleJson, payload, selection);
  if (!check.ok) return { kind: 'rejected', error: check.error };
  return { kind: 'signature', signer: check.signer, format: 'legacy' };
}

function evaluateBundle(
  trust: TrustMaterial,
  bundleJson: Record<string, unknown>,
  imageDigest: string,
  selection: TrustSelection,
): CandidateOutcome {
  if (bundleJson.dsseEnvelope === undefined) {
    return { kind: 'rejected', error: 'bundle holds no DSSE envelope (message-signature bundles are not image signatures)' };
  }
  const check = verifySigstoreBundle(trust, bundleJson, undefined, selection);
  if (!check.ok) return { kind: 'rejected', error: check.error };
  if (check.bundle.content.$case !== 'dsseEnvelope') {
    return { kind: 'rejected', error: 'bundle holds no DSSE envelope' };
  }
  const envelope = check.bundle.content.dsseEnvelope;
  const statement = readStatementAbout(envelope.payloadType, envelope.payload, imageDigest);
  if (statement.predicateType === COSIGN_SIGN_PREDICATE) {
    return { kind: 'signature', signer: check.signer, format: 'bundle' };
  }
  return { kind: 'attestation', signer: check.signer, predicateType: statement.predicateType };
}
