/**
 * verifyImage: discovers and verifies the signatures of one image digest (or,
 * failing that, of the index it was pulled through) and reports a
 * VerificationResult. Never throws: every problem becomes an error line.
 */
import type { TrustMaterial } from '@sigstore/verify';
import type {
  ArtifactFetcher, SignatureFormat, SignatureLimits, SignerIdentity, VerificationResult, VerifyImageOptions,
} from './types.js';
import type { NamedPublicKey } from './trust-config.js';
import { compileIdentities, type CompiledIdentity } from './identity-policy.js';
import { DOCKER_MANIFEST_LIST, OCI_INDEX, SHA256_DIGEST, digestTag } from './media-types.js';
import {
  SignatureSourceError, descriptorList, errorMessage, fetchManifestChecked, short,
} from './checked-fetch.js';
import { discoverSignatures } from './discover-signatures.js';
import { evaluateCandidate } from './evaluate-signature.js';
import type { TrustSelection } from './verify-bundle.js';

export interface VerificationContext {
  trust: TrustMaterial;
  keys: NamedPublicKey[];
  identities: CompiledIdentity[];
  limits: SignatureLimits;
}

export async function verifyImageSignatures(
  context: VerificationContext,
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  options: VerifyImageOptions = {},
): Promise<VerificationResult> {
  try {
    if (!SHA256_DIGEST.test(digest)) return rejected([`unsupported or malformed image digest ${digest}`]);
    const selection = selectTrust(context, options);
    if ('error' in selection) return rejected([selection.error]);
    const own = await verifyDigest(context, fetcher, repo, digest, selection, options);
    if (own.verified || options.parentIndexDigest === undefined) return own;
    const viaIndex = await verifyThroughIndex(context, fetcher, repo, digest, options.parentIndexDigest, selection, options);
    return viaIndex.verified ? viaIndex : rejected([...own.errors, ...viaIndex.errors]);
  } catch (err) {
    return rejected([`signature verification failed: ${errorMessage(err)}`]);
  }
}

function selectTrust(context: VerificationContext, options: VerifyImageOptions): TrustSelection | { error: string } {
  let keys = context.keys;
  if (options.keys !== undefined) {
    const unknown = options.keys.filter((name) => !context.keys.some((k) => k.name === name));
    if (unknown.length > 0) return { error: `unknown signing key name(s): ${unknown.join(', ')}` };
    keys = context.keys.filter((k) => options.keys?.includes(k.name));
  }
  let identities = context.identities;
  if (options.identities !== undefined) {
    try {
      identities = compileIdentities(options.identities, 'repository identities');
    } catch (err) {
      return { error: `invalid identity policy: ${errorMessage(err)}` };
    }
  }
  return { keys, identities, requireTransparencyLog: options.requireTransparencyLog ?? false };
}

async function verifyDigest(
  context: VerificationContext,
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  selection: TrustSelection,
  options: VerifyImageOptions,
): Promise<VerificationResult> {
  const found = await discoverSignatures(fetcher, repo, digest, {
    limits: context.limits,
    signatureRepository: options.signatureRepository,
  });
  const errors = [...found.errors];
  const required = options.requiredAttestations ?? [];
  const attested = new Set<string>();
  let accepted: { signer: SignerIdentity; format: SignatureFormat } | undefined;
  for (const candidate of found.candidates) {
    const outcome = evaluateCandidate(context.trust, candidate, digest, selection);
    if (outcome.kind === 'rejected') errors.push(`${candidate.source}: ${outcome.error}`);
    else if (outcome.kind === 'attestation') attested.add(outcome.predicateType);
    else accepted ??= { signer: outcome.signer, format: outcome.format };
    if (accepted && required.every((type) => attested.has(type))) break;
  }
  const attestations = [...attested];
  if (found.candidates.length === 0 && errors.length === 0) {
    const sigRepo = options.signatureRepository ?? repo;
    errors.push(`no signature found for ${short(digest)} (no sigstore referrer, no ${sigRepo}:${digestTag(digest)}.sig)`);
  } else if (!accepted && errors.length === 0) {
    errors.push(`no signature of ${short(digest)} verified (only attestations)`);
  }
  const missing = required.filter((type) => !attested.has(type));
  if (missing.length > 0) errors.push(`required attestation(s) missing or not verified: ${missing.join(', ')}`);
  if (!accepted || missing.length > 0) return { verified: false, errors, ...(attestations.length ? { attestations } : {}) };
  return { verified: true, ...accepted, errors: [], signedDigest: digest, attestations };
}

async function verifyThroughIndex(
  context: VerificationContext,
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  indexDigest: string,
  selection: TrustSelection,
  options: VerifyImageOptions,
): Promise<VerificationResult> {
  const where = `parent index ${short(indexDigest)}`;
  if (!SHA256_DIGEST.test(indexDigest)) return rejected([`${where}: unsupported or malformed digest`]);
  try {
    const index = await fetchManifestChecked(
      fetcher, repo, indexDigest, [OCI_INDEX, DOCKER_MANIFEST_LIST], context.limits.maxManifestBytes,
    );
    if (index === null) return rejected([`${where}: not found in ${repo}`]);
    const children = descriptorList(index.json.manifests, `${where} manifests`, Math.floor(context.limits.maxManifestBytes / 64));
    if (!children.some((child) => child.digest === digest)) {
      return rejected([`${where} does not list ${short(digest)}`]);
    }
  } catch (err) {
    if (!(err instanceof SignatureSourceError)) throw err;
    return rejected([err.message]);
  }
  const result = await verifyDigest(context, fetcher, repo, indexDigest, selection, options);
  return result.verified ? result : { ...result, errors: result.errors.map((e) => `${where}: ${e}`) };
}

function rejected(errors: string[]): VerificationResult {
  return { verified: false, errors };
}
