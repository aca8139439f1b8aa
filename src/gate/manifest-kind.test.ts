import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { classifyManifest } from './manifest-kind.js';

const d = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const m = (json: unknown, mediaType = OCI_MANIFEST) => {
  const bytes = Buffer.from(JSON.stringify(json));
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, mediaType, bytes };
};
const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 1 };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('l'), size: 1 };

test('an image: image config and filesystem layers, even with subject or artifactType', () => {
  assert.deepEqual(classifyManifest(m({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })), { kind: 'image', blobs: [d('c'), d('l')] });
  const sneaky = classifyManifest(m({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/x-sbom', subject: { mediaType: OCI_MANIFEST, digest: d('s'), size: 1 }, config, layers: [layer] }));
  assert.equal(sneaky.kind, 'image');
  assert.equal(classifyManifest(m({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] })).kind, 'image', 'no layers is still runnable');
});

test('artifacts pass: cosign .sig, sigstore bundle referrer, SBOM with a foreign config', () => {
  const sig = m({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: d('p'), size: 1 }] });
  assert.deepEqual(classifyManifest(sig), { kind: 'artifact', blobs: [d('c'), d('p')] });
  const bundle = m({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: d('{}'), size: 2 }, layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: d('b'), size: 1 }], subject: { mediaType: OCI_MANIFEST, digest: d('s'), size: 1 } });
  assert.equal(classifyManifest(bundle).kind, 'artifact');
  const sbom = m({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.cyclonedx+json', digest: d('x'), size: 1 }, layers: [layer] });
  assert.equal(classifyManifest(sbom).kind, 'artifact');
});

test('indexes: runnable children only; unreadable manifests are scanned, never waved through', () => {
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
  const idx = m({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [
    { mediaType: OCI_MANIFEST, digest: d('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: OCI_MANIFEST, digest: d('att'), size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
  ] }, OCI_INDEX);
  const k = classifyManifest(idx);
  assert.equal(k.kind, 'index');
  assert.deepEqual(k.kind === 'index' && k.children.map((c) => c.digest), [d('a')]);
  assert.equal(classifyManifest({ digest: d('x'), mediaType: OCI_MANIFEST, bytes: Buffer.from('not json') }).kind, 'image');
  assert.equal(classifyManifest(m({ schemaVersion: 1, fsLayers: [] }, 'application/vnd.docker.distribution.manifest.v1+json')).kind, 'image');
});
