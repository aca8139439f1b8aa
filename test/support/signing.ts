/** Pushing signatures made in a test (src/signatures/sign.ts) to a real registry. */
import type { OciArtifact } from '../../src/signatures/index.js';
import { pushBlob, pushRaw } from '../harness/ociImage.js';

/** Pushes a legacy `.sig` tag or a v0.3 bundle referrer (by digest, plus the referrers tag schema index). */
export async function pushSignature(registryUrl: string, repo: string, sig: OciArtifact, subjectDigest: string): Promise<void> {
  for (const b of sig.blobs) await pushBlob(registryUrl, repo, { mediaType: b.mediaType, digest: b.digest, size: b.bytes.length, bytes: b.bytes });
  if (sig.tag) {
    await pushRaw(registryUrl, repo, sig.tag, sig.manifest.bytes, sig.manifest.mediaType);
    return;
  }
  await pushRaw(registryUrl, repo, sig.manifest.digest, sig.manifest.bytes, sig.manifest.mediaType);
  // distribution 2.8 has no referrers API: maintain the referrers tag schema index as cosign does.
  const manifest = JSON.parse(sig.manifest.bytes.toString()) as { artifactType?: string; annotations?: Record<string, string> };
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: sig.manifest.mediaType, digest: sig.manifest.digest, size: sig.manifest.bytes.length, ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}), ...(manifest.annotations ? { annotations: manifest.annotations } : {}) }],
  };
  await pushRaw(registryUrl, repo, subjectDigest.replace(':', '-'), JSON.stringify(index), index.mediaType);
}
