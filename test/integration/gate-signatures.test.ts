/**
 * Signatures in the gate, against the real distribution registry: images signed in the test
 * (node:crypto keys, a legacy cosign `.sig` and a cosign v3 bundle referrer found through the
 * referrers tag schema) are served where a rule requires a signature; unsigned or wrongly signed
 * copies are denied with a signature reason; repositories without the rule skip verification.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { MediaType, pushBlob, pushImage, pushRaw, blobFromBytes, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createGate } from '../../src/gate/wire.js';
import { signBundle, signLegacy, type OciArtifact } from '../../src/signatures/index.js';
import { TRUSTED_ROOTS } from '../../src/signatures/testing/signature-fixtures.js';
import { buildVulnDb, cleanImage, OSV } from '../fixtures/gate/gate-fixtures.js';

const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
const images: Record<string, OciImage> = {};

async function pushArtifact(repo: string, a: OciArtifact, reference: string): Promise<void> {
  for (const b of a.blobs) await pushBlob(reg.url, repo, { ...b, size: b.bytes.length });
  await pushRaw(reg.url, repo, reference, a.manifest.bytes, a.manifest.mediaType);
}

/** The referrers tag schema (distribution 2.8 has no referrers API): an index tagged sha256-<hex>. */
async function pushReferrersIndex(repo: string, subject: string, referrer: OciArtifact): Promise<void> {
  const index = blobFromBytes(MediaType.imageIndex, Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.imageIndex,
    manifests: [{ mediaType: referrer.manifest.mediaType, digest: referrer.manifest.digest, size: referrer.manifest.bytes.length, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }],
  })));
  await pushRaw(reg.url, repo, subject.replace(':', '-'), index.bytes, MediaType.imageIndex);
}

async function get(path: string) {
  const res = await request(gw.url + path, { headers: { accept: ACCEPT } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, json: () => JSON.parse(body.toString()) };
}

before(async () => {
  [reg, dir] = await Promise.all([startRegistry(), makeTempDir('gate-signatures')]);
  const trusted = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(dir.join('release.pub'), trusted.publicKey.export({ type: 'spki', format: 'pem' }));
  for (const name of ['legacy', 'bundle', 'unsigned', 'wrongkey']) {
    images[name] = await cleanImage(`signed-${name}`);
    await pushImage(reg.url, 'library/signed', name, images[name]!);
  }
  const legacy = signLegacy(images.legacy!.digest, `${reg.hostPort}/library/signed`, trusted.privateKey);
  await pushArtifact('library/signed', legacy, legacy.tag!);
  const bundle = signBundle(images.bundle!.digest, trusted.privateKey, { subject: { mediaType: MediaType.imageManifest, size: images.bundle!.manifest.size } });
  await pushArtifact('library/signed', bundle, bundle.manifest.digest);
  await pushReferrersIndex('library/signed', images.bundle!.digest, bundle);
  const wrong = signLegacy(images.wrongkey!.digest, `${reg.hostPort}/library/signed`, other.privateKey);
  await pushArtifact('library/signed', wrong, wrong.tag!);
  images.clean = await cleanImage('unsigned-elsewhere');
  await pushImage(reg.url, 'library/clean', '1', images.clean);
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  gw = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, retries: 0 } },
    cache: { verdicts: 'memory://' },
    vulndb: { path: dir.join('vulndb') },
    signatures: { trustedRoot: TRUSTED_ROOTS.current, keys: [{ name: 'release', publicKey: dir.join('release.pub') }] },
    policy: { rules: [{ repositories: ['library/signed'], requireSignature: true }] },
  }, { extend: (core) => createGate(core) });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await dir?.stop();
});

test('a legacy cosign signature from the trusted key lets the image through', async () => {
  assert.equal((await get('/v2/library/signed/manifests/legacy')).status, 200);
  const v = (await get(`/api/v1/verdicts/${images.legacy!.digest}`)).json();
  assert.deepEqual({ verified: v.signature.verified, signer: v.signature.signer, format: v.signature.format }, { verified: true, signer: { key: 'release' }, format: 'legacy' });
});

test('a cosign v3 bundle referrer (found through the referrers tag schema) lets the image through', async () => {
  assert.equal((await get('/v2/library/signed/manifests/bundle')).status, 200);
  const v = (await get(`/api/v1/verdicts/${images.bundle!.digest}`)).json();
  assert.equal(v.signature.verified, true);
  assert.equal(v.signature.format, 'bundle');
});

test('unsigned and wrongly signed images are denied with a signature reason', async () => {
  const unsigned = await get('/v2/library/signed/manifests/unsigned');
  assert.equal(unsigned.status, 403);
  assert.match(unsigned.json().errors[0].message, /^denied by policy: no signature from a trusted key or identity: no signature found for sha256:/);
  assert.equal(unsigned.json().errors[0].detail.reasons[0].kind, 'signature');
  const wrong = await get('/v2/library/signed/manifests/wrongkey');
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json().errors[0].detail.signature.verified, false);
  assert.ok(wrong.json().errors[0].detail.validUntil, 'a missing signature is checked again later');
});

test('repositories whose policy needs no signature skip verification', async () => {
  assert.equal((await get('/v2/library/clean/manifests/1')).status, 200);
  const v = (await get(`/api/v1/verdicts/${images.clean!.digest}`)).json();
  assert.deepEqual(v.signature, { verified: false, skipped: true });
});
