/** Signatures made in the test with node:crypto keys, in both formats, and their negative cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { buildVerifier } from './build-verifier.js';
import { MemoryArtifactFetcher } from './memory-artifact-fetcher.js';
import { signBundle, signLegacy } from './sign.js';
import { OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { sha256Digest } from './checked-fetch.js';
import { TRUSTED_ROOTS } from './testing/signature-fixtures.js';

const REPO = 'library/app';
const IMAGE = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
const DIGEST = sha256Digest(IMAGE);

function keyPair(type: 'ec' | 'ed25519' | 'rsa'): { privateKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 3072 }) : generateKeyPairSync('ed25519');
  return { privateKey, pem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

const KEYS = { ec: keyPair('ec'), ed25519: keyPair('ed25519'), rsa: keyPair('rsa') };
const OTHER_EC = keyPair('ec');
const verifier = buildVerifier({
  trustedRoot: TRUSTED_ROOTS.current,
  keys: [
    ...Object.entries(KEYS).map(([name, k]) => ({ name, publicKey: k.pem })),
    { name: 'other-ec', publicKey: OTHER_EC.pem },
  ],
});

function registryWithImage(options: { referrersApi?: boolean } = {}): MemoryArtifactFetcher {
  const fetcher = new MemoryArtifactFetcher(options);
  fetcher.putManifest(REPO, IMAGE, OCI_MANIFEST);
  return fetcher;
}

for (const [type, key] of Object.entries(KEYS)) {
  test(`${type}: legacy .sig and v0.3 bundle verify and name the key; another key does not`, async () => {
    const legacy = registryWithImage();
    legacy.push(REPO, signLegacy(DIGEST, `registry.example/${REPO}`, key.privateKey));
    const bundle = registryWithImage();
    bundle.push(REPO, signBundle(DIGEST, key.privateKey));
    for (const [fetcher, format] of [[legacy, 'legacy'], [bundle, 'bundle']] as const) {
      const r = await verifier.verifyImage(fetcher, REPO, DIGEST);
      assert.equal(r.verified, true, `${format}: ${r.errors.join('\n')}`);
      assert.deepEqual([r.signer, r.format], [{ key: type }, format]);
      const wrong = await verifier.verifyImage(fetcher, REPO, DIGEST, { keys: ['other-ec'] });
      assert.equal(wrong.verified, false);
      assert.match(wrong.errors[0]!, /signature does not verify with any allowed key \(other-ec\): wrong key or tampered payload/);
    }
  });
}

test('a tampered payload re-pushed with a matching digest fails the signature check', async () => {
  const fetcher = registryWithImage();
  const signed = signLegacy(DIGEST, `registry.example/${REPO}`, KEYS.ec.privateKey);
  const manifest = JSON.parse(signed.manifest.bytes.toString()) as { layers: { digest: string; size: number }[] };
  const payload = signed.blobs[1]!.bytes.toString().replace('registry.example', 'evil.example');
  manifest.layers[0]!.digest = fetcher.putBlob(REPO, Buffer.from(payload));
  manifest.layers[0]!.size = payload.length;
  fetcher.putBlob(REPO, signed.blobs[0]!.bytes);
  fetcher.putManifest(REPO, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST, [signed.tag!]);
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST, { keys: ['ec'] });
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, /layer 0: signature does not verify with any allowed key \(ec\)/);
});

test('a payload naming another digest is rejected even though its signature is valid', async () => {
  const fetcher = registryWithImage();
  const other = sha256Digest(Buffer.from('another image'));
  const signed = signLegacy(other, `registry.example/${REPO}`, KEYS.ec.privateKey);
  fetcher.push(REPO, { ...signed, tag: `${DIGEST.replace(':', '-')}.sig` });
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, new RegExp(`payload names another digest: ${other.slice(0, 19)}…, not ${DIGEST.slice(0, 19)}…`));
});

test('legacy .sig in another repository (COSIGN_REPOSITORY)', async () => {
  const fetcher = registryWithImage();
  fetcher.push('signatures/store', signLegacy(DIGEST, `registry.example/${REPO}`, KEYS.rsa.privateKey));
  const without = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.equal(without.verified, false);
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST, { signatureRepository: 'signatures/store' });
  assert.deepEqual([r.verified, r.signer], [true, { key: 'rsa' }]);
});

test('bundles under the older sigstore media type spelling and via the referrers tag schema', async () => {
  const fetcher = registryWithImage({ referrersApi: false });
  fetcher.push(REPO, signBundle(DIGEST, KEYS.ed25519.privateKey, {
    bundleMediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.3',
  }));
  const r = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.deepEqual([r.verified, r.signer, r.format], [true, { key: 'ed25519' }, 'bundle'], r.errors.join('\n'));
});

test('a signed index covers the platform manifests it lists', async () => {
  const fetcher = registryWithImage();
  const stranger = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [], config: { size: 1 } }));
  const strangerDigest = fetcher.putManifest(REPO, stranger, OCI_MANIFEST);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, digest: DIGEST, size: IMAGE.length, platform: { os: 'linux', architecture: 'amd64' } }],
  }));
  const indexDigest = fetcher.putManifest(REPO, index, OCI_INDEX);
  fetcher.push(REPO, signBundle(indexDigest, KEYS.ec.privateKey, { subject: { mediaType: OCI_INDEX, size: index.length } }));

  const alone = await verifier.verifyImage(fetcher, REPO, DIGEST);
  assert.equal(alone.verified, false);
  const viaIndex = await verifier.verifyImage(fetcher, REPO, DIGEST, { parentIndexDigest: indexDigest });
  assert.deepEqual(
    [viaIndex.verified, viaIndex.signer, viaIndex.signedDigest], [true, { key: 'ec' }, indexDigest], viaIndex.errors.join('\n'),
  );
  const notListed = await verifier.verifyImage(fetcher, REPO, strangerDigest, { parentIndexDigest: indexDigest });
  assert.equal(notListed.verified, false);
  assert.match(notListed.errors.at(-1)!, /parent index sha256:[0-9a-f]{12}… does not list sha256:/);
});

test('the per-repository key selection decides which configured keys apply', async () => {
  const fetcher = registryWithImage();
  fetcher.push(REPO, signLegacy(DIGEST, REPO, KEYS.rsa.privateKey));
  assert.equal((await verifier.verifyImage(fetcher, REPO, DIGEST, { keys: ['ec', 'ed25519'] })).verified, false);
  assert.deepEqual((await verifier.verifyImage(fetcher, REPO, DIGEST, { keys: ['ec', 'rsa'] })).signer, { key: 'rsa' });
  const unknown = await verifier.verifyImage(fetcher, REPO, DIGEST, { keys: ['nobody'] });
  assert.deepEqual(unknown, { verified: false, errors: ['unknown signing key name(s): nobody'] });
});
