/**
 * Finds the signatures of one digest, in order: OCI 1.1 referrers that are
 * sigstore bundles (or the referrers tag schema `sha256-<hex>` when the API is
 * unsupported), then the legacy cosign tag `sha256-<hex>.sig` (both read concurrently,
 * candidates returned in that order).
 * A broken source becomes an error line; the other sources are still read.
 */
import type { ArtifactFetcher, OciDescriptor, SignatureLimits } from './types.js';
import {
  COSIGN_SIMPLE_SIGNING, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, digestTag, isSigstoreBundleType,
} from './media-types.js';
import {
  SignatureSourceError, descriptorList, errorMessage, fetchBlobChecked, fetchManifestChecked,
  parseJsonObject, short,
} from './checked-fetch.js';

export interface BundleCandidate {
  format: 'bundle';
  /** where it came from, for error lines */
  source: string;
  bundle: Record<string, unknown>;
}

export interface LegacyCandidate {
  format: 'legacy';
  source: string;
  payload: Buffer;
  annotations: Record<string, string>;
}

export type SignatureCandidate = BundleCandidate | LegacyCandidate;

export interface DiscoveredSignatures {
  candidates: SignatureCandidate[];
  errors: string[];
}

export interface DiscoveryOptions {
  limits: SignatureLimits;
  /** repository holding `.sig` tags (COSIGN_REPOSITORY); default: the image repository */
  signatureRepository?: string;
}

export async function discoverSignatures(
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  options: DiscoveryOptions,
): Promise<DiscoveredSignatures> {
  // Both sources are read concurrently (upstream round trips dominate); results keep the order.
  const parts = await Promise.all([
    readSource(() => discoverBundleReferrers(fetcher, repo, digest, options.limits)),
    readSource(() => discoverLegacySignatures(fetcher, options.signatureRepository ?? repo, digest, options.limits)),
  ]);
  return {
    candidates: parts.flatMap((p) => p.candidates),
    errors: parts.flatMap((p) => p.errors),
  };
}

async function readSource(source: () => Promise<DiscoveredSignatures>): Promise<DiscoveredSignatures> {
  try {
    return await source();
  } catch (err) {
    if (!(err instanceof SignatureSourceError)) throw err;
    return { candidates: [], errors: [err.message] };
  }
}

async function discoverBundleReferrers(
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  limits: SignatureLimits,
): Promise<DiscoveredSignatures> {
  const listed = await listReferrers(fetcher, repo, digest, limits);
  const bundles = listed.filter((d) => isSigstoreBundleType(d.artifactType));
  if (bundles.length > limits.maxSignatures) {
    throw new SignatureSourceError(
      `referrers of ${short(digest)}: ${bundles.length} sigstore bundles (limit ${limits.maxSignatures})`,
    );
  }
  const found: DiscoveredSignatures = { candidates: [], errors: [] };
  for (const descriptor of bundles) {
    try {
      found.candidates.push(await readBundleReferrer(fetcher, repo, digest, descriptor, limits));
    } catch (err) {
      if (!(err instanceof SignatureSourceError)) throw err;
      found.errors.push(err.message);
    }
  }
  return found;
}

async function listReferrers(
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  limits: SignatureLimits,
): Promise<OciDescriptor[]> {
  // Index sizes are bounded by maxManifestBytes; the bundle count is capped after filtering.
  const unbounded = Math.floor(limits.maxManifestBytes / 64);
  let index;
  try {
    index = await fetcher.getReferrers(repo, digest);
  } catch (err) {
    throw new SignatureSourceError(`referrers of ${short(digest)}: ${errorMessage(err)}`);
  }
  if (index !== null) {
    return descriptorList(index.manifests, `referrers index of ${short(digest)}`, unbounded);
  }
  const tag = digestTag(digest);
  const fallback = await fetchManifestChecked(fetcher, repo, tag, [OCI_INDEX], limits.maxManifestBytes);
  if (fallback === null) return [];
  return descriptorList(fallback.json.manifests, `referrers tag ${repo}:${tag}`, unbounded);
}

async function readBundleReferrer(
  fetcher: ArtifactFetcher,
  repo: string,
  digest: string,
  descriptor: OciDescriptor,
  limits: SignatureLimits,
): Promise<BundleCandidate> {
  const source = `referrer ${short(descriptor.digest)}`;
  const manifest = await fetchManifestChecked(
    fetcher, repo, descriptor.digest, [OCI_MANIFEST], limits.maxManifestBytes,
  );
  if (manifest === null) throw new SignatureSourceError(`${source}: listed but not found`);
  const subject = manifest.json.subject as { digest?: unknown } | undefined;
  if (subject?.digest !== digest) {
    throw new SignatureSourceError(`${source}: its subject is ${String(subject?.digest)}, not ${short(digest)}`);
  }
  const layers = descriptorList(manifest.json.layers, `${source} layers`, limits.maxSignatures);
  const layer = layers.find((l) => isSigstoreBundleType(l.mediaType));
  if (!layer) throw new SignatureSourceError(`${source}: no sigstore bundle layer`);
  const bytes = await fetchBlobChecked(fetcher, repo, layer, limits.maxBundleBytes);
  return { format: 'bundle', source, bundle: parseJsonObject(bytes, `${source} bundle`) };
}

async function discoverLegacySignatures(
  fetcher: ArtifactFetcher,
  sigRepo: string,
  digest: string,
  limits: SignatureLimits,
): Promise<DiscoveredSignatures> {
  const tag = `${digestTag(digest)}.sig`;
  const manifest = await fetchManifestChecked(
    fetcher, sigRepo, tag, [OCI_MANIFEST, DOCKER_MANIFEST], limits.maxManifestBytes,
  );
  const found: DiscoveredSignatures = { candidates: [], errors: [] };
  if (manifest === null) return found;
  const layers = descriptorList(
    manifest.json.layers, `signature manifest ${sigRepo}:${tag} layers`, limits.maxSignatures,
  );
  const payloads = new Map<string, Buffer>();
  for (const [i, layer] of layers.entries()) {
    const source = `${sigRepo}:${digestTag(short(digest))}.sig layer ${i}`;
    if (layer.mediaType !== COSIGN_SIMPLE_SIGNING) {
      found.errors.push(`${source}: media type ${layer.mediaType} is not a cosign simple-signing payload`);
      continue;
    }
    try {
      let payload = payloads.get(layer.digest);
      if (!payload) {
        payload = await fetchBlobChecked(fetcher, sigRepo, layer, limits.maxPayloadBytes);
        payloads.set(layer.digest, payload);
      }
      found.candidates.push({ format: 'legacy', source, payload, annotations: layer.annotations ?? {} });
    } catch (err) {
      if (!(err instanceof SignatureSourceError)) throw err;
      found.errors.push(`${source}: ${err.message}`);
    }
  }
  return found;
}
