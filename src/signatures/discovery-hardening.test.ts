/** Hostile or broken registry content: every case ends in a clear reason, never a throw. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { buildVerifier } from './build-verifier.js';
import { MemoryArtifactFetcher } from './memory-artifact-fetcher.js';
import { signBundle, signLegacy } from './sign.js';
import { COSIGN_SIMPLE_SIGNING, OCI_INDEX, OCI_MANIFEST, SIGSTORE_BUNDLE_V03 } from './media-types.js';
import { sha256Digest } from './checked-fetch.js';
import type { ArtifactFetcher } from './types.js';
import { TRUSTED_ROOTS, connaisseurRegistry, CONNAISSEUR, CONNAISSEUR_KEYS } from './testing/signature-fixtures.js';

const REPO = 'library/app';
const DIGEST = sha256Digest(Buffer.from('image manifest'));
const SIG_TAG = `${DIGEST.replace(':', '-')}.sig`;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const verifier = buildVerifier({
  trustedRoot: TRUSTED_ROOTS.current,
  keys: [{ name: 'ci', publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString() }],
});

/** a legacy .sig manifest whose layer annotations are replaced */
function withAnnotations(annotations: Record<string, string>): MemoryArtifactFetcher {
  const fetcher = new MemoryArtifactFetcher();
  const signed = signLegacy(DIGEST, REPO, privateKey);
  const manifest = JSON.parse(signed.manifest.bytes.toString()) as { layers: { annotations: Record<string, string> }[] };
  manifest.layers[0]!.annotations = { ...manifest.layers[0]!.annotations, ...annotations };
  for (const b of signed.blobs) fetcher.putBlob(REPO, b.bytes);
  fetcher.putManifest(REPO, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST, [SIG_TAG]);
  return fetcher;
}

test('a signature manifest with 10,000 layers is refused with a clear error', async () => {
  const fetcher = new MemoryArtifactFetcher();
  const payload = signLegacy(DIGEST, REPO, privateKey).blobs[1]!;
  const layer = { mediaType: COSIGN_SIMPLE_SIGNING, digest: payload.digest, size: payload.bytes.length, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: layer, layers: Array.from({ length: 10_000 }, () => layer) };
  fetcher.putManifest(REPO, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST, [SIG_TAG]);
  const started = performance.now();
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.ok(performance.now() - started < 1000);
  assert.deepEqual(r, { verified: false, errors: [`signature manifest ${REPO}:${SIG_TAG} layers: 10000 entries (limit 64)`] });
  assert.equal(fetcher.calls.filter((c) => c.startsWith('blob')).length, 0);
});

test('more sigstore bundle referrers than the limit are refused', async () => {
  const fetcher = new MemoryArtifactFetcher();
  for (let i = 0; i < 5; i++) fetcher.push(REPO, signBundle(DIGEST, privateKey, { predicate: { i } , predicateType: `urn:test:${i}` }));
  const small = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, limits: { maxSignatures: 4 } });
  const r = await small.verifyImage(fetcher, REPO, DIGEST);
  assert.match(r.errors[0]!, /^referrers of sha256:[0-9a-f]{12}…: 5 sigstore bundles \(limit 4\)$/);
});

test('blobs and manifests are re-hashed: a lying registry is caught', async () => {
  const signed = signLegacy(DIGEST, REPO, privateKey);
  const tamperedBlob = new MemoryArtifactFetcher();
  tamperedBlob.push(REPO, signed);
  tamperedBlob.putBlobAt(REPO, signed.blobs[1]!.digest, Buffer.from(signed.blobs[1]!.bytes.toString().replace('library', 'LIBRARY')));
  const a = await verifier.verifyImage(tamperedBlob, REPO, DIGEST);
  assert.match(a.errors[0]!, /layer 0: blob sha256:[0-9a-f]{12}…: content hashes to sha256:[0-9a-f]{12}… \(tampered blob\)/);

  const lyingManifest = new MemoryArtifactFetcher();
  lyingManifest.push(REPO, signed);
  lyingManifest.putManifestAt(REPO, SIG_TAG, { ...signed.manifest, digest: sha256Digest(Buffer.from('x')) });
  const b = await verifier.verifyImage(lyingManifest, REPO, DIGEST);
  assert.match(b.errors[0]!, /registry reports digest sha256:[0-9a-f]{12}… but the content hashes to sha256:/);

  const wrongReferrer = new MemoryArtifactFetcher();
  const referrer = signBundle(DIGEST, privateKey);
  const digest = wrongReferrer.push(REPO, referrer);
  wrongReferrer.putManifestAt(REPO, digest, { ...referrer.manifest, bytes: Buffer.from(referrer.manifest.bytes.toString().replace('"size":2', '"size":2 ')) });
  const c = await verifier.verifyImage(wrongReferrer, REPO, DIGEST);
  assert.match(c.errors[0]!, /content hashes to sha256:[0-9a-f]{12}…, not the requested digest/);
});

test('oversized payloads and bundles are refused before download', async () => {
  const fetcher = new MemoryArtifactFetcher();
  const signed = signLegacy(DIGEST, REPO, privateKey);
  const manifest = JSON.parse(signed.manifest.bytes.toString()) as { layers: { size: number }[] };
  manifest.layers[0]!.size = 10 * 1024 * 1024;
  fetcher.putManifest(REPO, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST, [SIG_TAG]);
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.match(r.errors[0]!, /layer 0: blob sha256:[0-9a-f]{12}… is 10485760 bytes \(limit 65536\)/);
  assert.equal(fetcher.calls.filter((c) => c.startsWith('blob')).length, 0);
});

test('malformed annotations each give their own reason', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'dev.cosignproject.cosign/signature': 'not base64!' }, /malformed annotation dev\.cosignproject\.cosign\/signature: not base64/],
    [{ 'dev.sigstore.cosign/bundle': '{not json' }, /malformed annotation dev\.sigstore\.cosign\/bundle: annotation is not valid JSON/],
    [{ 'dev.sigstore.cosign/bundle': '{"Payload":{}}' }, /malformed annotation dev\.sigstore\.cosign\/bundle: SignedEntryTimestamp is not base64/],
    [{ 'dev.sigstore.cosign/bundle': '{"SignedEntryTimestamp":"AAAA","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"zz"}}' }, /Payload\.logID is not a hex SHA-256/],
    [{ 'dev.sigstore.cosign/bundle': `{"SignedEntryTimestamp":"AAAA","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"${'a'.repeat(64)}"}}` }, /Payload\.body has no kind\/apiVersion/],
    [{ 'dev.sigstore.cosign/certificate': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }, /malformed annotation dev\.sigstore\.cosign\/certificate: /],
  ];
  for (const [annotations, reason] of cases) {
    const r = await verifier.verifyImage(withAnnotations(annotations), REPO, DIGEST);
    assert.equal(r.verified, false);
    assert.equal(r.errors.length, 1, r.errors.join('\n'));
    assert.match(r.errors[0]!, reason);
  }
  const noSignature = new MemoryArtifactFetcher();
  const signed = signLegacy(DIGEST, REPO, privateKey);
  for (const b of signed.blobs) noSignature.putBlob(REPO, b.bytes);
  noSignature.putManifest(REPO, Buffer.from(signed.manifest.bytes.toString().replace(/,"annotations":\{[^}]*\}/, '')), OCI_MANIFEST, [SIG_TAG]);
  const r = await verifier.verifyImage(noSignature, REPO, DIGEST);
  assert.match(r.errors[0]!, /layer 0: no dev\.cosignproject\.cosign\/signature annotation/);
});

test('malformed manifests, payloads and bundles are reasons, not exceptions', async () => {
  const notJson = new MemoryArtifactFetcher();
  notJson.putManifest(REPO, Buffer.from('{"layers": ['), OCI_MANIFEST, [SIG_TAG]);
  assert.match((await verifier.verifyImage(notJson, REPO, DIGEST)).errors[0]!, /manifest library\/app@sha256-[0-9a-f]{12}… is not valid JSON/);

  const badPayload = new MemoryArtifactFetcher();
  const payload = Buffer.from('{"critical":{"type":"something else"}}');
  const layer = { mediaType: COSIGN_SIMPLE_SIGNING, digest: badPayload.putBlob(REPO, payload), size: payload.length, annotations: {} };
  badPayload.putManifest(REPO, Buffer.from(JSON.stringify({ schemaVersion: 2, config: layer, layers: [layer] })), OCI_MANIFEST, [SIG_TAG]);
  assert.match((await verifier.verifyImage(badPayload, REPO, DIGEST)).errors[0]!, /simple-signing payload type is "something else", not "cosign container image signature"/);

  const badBundle = new MemoryArtifactFetcher();
  const bundle = Buffer.from(JSON.stringify({ mediaType: SIGSTORE_BUNDLE_V03, dsseEnvelope: { payload: '', signatures: [] } }));
  const bundleLayer = { mediaType: SIGSTORE_BUNDLE_V03, digest: badBundle.putBlob(REPO, bundle), size: bundle.length };
  badBundle.putManifest(REPO, Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: SIGSTORE_BUNDLE_V03, config: bundleLayer, layers: [bundleLayer],
    subject: { mediaType: OCI_MANIFEST, digest: DIGEST, size: 1 },
  })), OCI_MANIFEST);
  assert.match((await verifier.verifyImage(badBundle, REPO, DIGEST)).errors[0]!, /^referrer sha256:[0-9a-f]{12}…: malformed sigstore bundle: invalid bundle \(/);
});

test('a referrers-tag index entry whose manifest names another subject is rejected', async () => {
  const fetcher = new MemoryArtifactFetcher({ referrersApi: false });
  const other = sha256Digest(Buffer.from('other'));
  const referrerDigest = fetcher.push(REPO, signBundle(other, privateKey));
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: referrerDigest, size: 1, artifactType: SIGSTORE_BUNDLE_V03 }] };
  fetcher.putManifest(REPO, Buffer.from(JSON.stringify(index)), OCI_INDEX, [DIGEST.replace(':', '-')]);
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.match(r.errors[0]!, new RegExp(`its subject is ${other}, not sha256:`));
});

test('transport errors, bad digests and bad per-repository policy are reasons', async () => {
  const failing: ArtifactFetcher = {
    getManifest: async () => { throw new Error('upstream timeout'); },
    getBlob: async () => { throw new Error('upstream timeout'); },
    getReferrers: async () => { throw new Error('connection reset'); },
  };
  const r = await verifier.verifyImage(failing, REPO, DIGEST);
  assert.deepEqual(r.errors, [
    `referrers of ${DIGEST.slice(0, 19)}…: connection reset`,
    `cannot fetch manifest ${REPO}@${DIGEST.replace(':', '-').slice(0, 19)}…: upstream timeout`,
  ]);
  assert.deepEqual(await verifier.verifyImage(failing, REPO, 'sha512:abc'), { verified: false, errors: ['unsupported or malformed image digest sha512:abc'] });
  const badPolicy = await verifier.verifyImage(failing, REPO, DIGEST, { identities: [{ issuer: 'x', subjectRegExp: '(' }] });
  assert.match(badPolicy.errors[0]!, /^invalid identity policy: repository identities\[0\]: subjectRegExp is not a valid RegExp/);
});

test('the connaisseur fixtures keep verifying through a registry that also serves junk referrers', async () => {
  const fetcher = connaisseurRegistry();
  const junk = Buffer.from('{}');
  const junkLayer = { mediaType: 'application/spdx+json', digest: fetcher.putBlob(CONNAISSEUR.repo, junk), size: 2 };
  fetcher.putManifest(CONNAISSEUR.repo, Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/spdx+json', config: junkLayer, layers: [junkLayer],
    subject: { mediaType: OCI_MANIFEST, digest: CONNAISSEUR.alice, size: 1 },
  })), OCI_MANIFEST);
  const v = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, keys: CONNAISSEUR_KEYS });
  const r = await v.verifyImage(fetcher, CONNAISSEUR.repo, CONNAISSEUR.alice);
  assert.deepEqual([r.verified, r.signer], [true, { key: 'alice' }]);
});
