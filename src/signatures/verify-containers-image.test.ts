/** containers/image cosign fixtures, expectations from EXPECTED-RESULTS.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVerifier } from './build-verifier.js';
import { MemoryArtifactFetcher } from './memory-artifact-fetcher.js';
import { OCI_MANIFEST } from './media-types.js';
import {
  CONTAINERS_IMAGE_KEYS, TRUSTED_ROOTS, containersImageCase,
} from './testing/signature-fixtures.js';

const KEYS = [CONTAINERS_IMAGE_KEYS.cosign, CONTAINERS_IMAGE_KEYS.cosign2];
const FULCIO_IDENTITY = { issuer: 'https://github.com/login/oauth', subject: 'mitr@redhat.com' };
const verifier = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, keys: KEYS, identities: [FULCIO_IDENTITY] });

test('fulcio-rekor-valid: keyless, public-good Fulcio + Rekor SET → VALID', async () => {
  const c = containersImageCase('dir-img-cosign-fulcio-rekor-valid');
  assert.equal(c.digest, 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a');
  const r = await verifier.verifyImage(c.fetcher, c.repo, c.digest!);
  assert.equal(r.verified, true, r.errors.join('\n'));
  assert.deepEqual(r.signer, { issuer: 'https://github.com/login/oauth', subject: 'mitr@redhat.com' });
});

test('fulcio-rekor-valid: wrong identity, wrong issuer → rejected with expected vs actual', async () => {
  const c = containersImageCase('dir-img-cosign-fulcio-rekor-valid');
  for (const identity of [
    { issuer: 'https://github.com/login/oauth', subject: 'someone@redhat.com' },
    { issuer: 'https://accounts.google.com', subject: 'mitr@redhat.com' },
  ]) {
    const r = await verifier.verifyImage(c.fetcher, c.repo, c.digest!, { identities: [identity] });
    assert.equal(r.verified, false);
    assert.match(r.errors[0]!, /identity mismatch: signer issuer=https:\/\/github\.com\/login\/oauth subject=mitr@redhat\.com; expected (issuer|subject) /);
  }
});

test('fulcio-rekor-valid: one tampered payload byte → rejected', async () => {
  const c = containersImageCase('dir-img-cosign-fulcio-rekor-valid');
  const fetcher = new MemoryArtifactFetcher();
  const payload = Buffer.from(c.signatures[0]!.payload, 'base64');
  const tampered = Buffer.from(payload.toString().replace('"optional":null', '"optional":{}'));
  const layer = { ...c.sigManifest.layers[0]!, digest: fetcher.putBlob(c.repo, tampered), size: tampered.length };
  const sig = Buffer.from(JSON.stringify({ ...c.sigManifest, layers: [layer] }));
  fetcher.putBlob(c.repo, Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'));
  fetcher.putManifest(c.repo, sig, OCI_MANIFEST, [`${c.digest!.replace(':', '-')}.sig`]);
  const r = await verifier.verifyImage(fetcher, c.repo, c.digest!);
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, /Rekor entry does not match the signature: digest mismatch/);
});

test('key-rekor-valid: VALID with cosign2.pub (Rekor SET checked), INVALID with cosign.pub', async () => {
  const c = containersImageCase('dir-img-cosign-key-rekor-valid');
  const good = await verifier.verifyImage(c.fetcher, c.repo, c.digest!, { keys: ['cosign2'], requireTransparencyLog: true });
  assert.equal(good.verified, true, good.errors.join('\n'));
  assert.deepEqual(good.signer, { key: 'cosign2' });
  const bad = await verifier.verifyImage(c.fetcher, c.repo, c.digest!, { keys: ['cosign'] });
  assert.equal(bad.verified, false);
  assert.match(bad.errors[0]!, /signature does not verify with any allowed key \(cosign\)/);
});

test('valid / valid-with-tag: VALID with cosign.pub when tlog is not required; INVALID with cosign2.pub', async () => {
  for (const dir of ['dir-img-cosign-valid', 'dir-img-cosign-valid-with-tag']) {
    const c = containersImageCase(dir);
    assert.equal(c.digest, 'sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00');
    const good = await verifier.verifyImage(c.fetcher, c.repo, c.digest!);
    assert.deepEqual([good.verified, good.signer], [true, { key: 'cosign' }], good.errors.join('\n'));
    const bad = await verifier.verifyImage(c.fetcher, c.repo, c.digest!, { keys: ['cosign2'] });
    assert.equal(bad.verified, false);
    const noTlog = await verifier.verifyImage(c.fetcher, c.repo, c.digest!, { requireTransparencyLog: true });
    assert.match(noTlog.errors[0]!, /without a Rekor entry, and this repository requires one/);
  }
});

test('valid-2 and mixed: one good signature among others is enough', async () => {
  for (const dir of ['dir-img-cosign-valid-2', 'dir-img-cosign-mixed']) {
    const c = containersImageCase(dir);
    const r = await verifier.verifyImage(c.fetcher, c.repo, c.digest!);
    assert.deepEqual([r.verified, r.signer], [true, { key: 'cosign' }], `${dir}: ${r.errors.join('\n')}`);
  }
  const mixed = containersImageCase('dir-img-cosign-mixed');
  const onlyUnknown = await verifier.verifyImage(mixed.fetcher, mixed.repo, mixed.digest!, { keys: ['cosign2'] });
  assert.equal(onlyUnknown.verified, false);
  assert.equal(onlyUnknown.errors.length, 2);
});

test('modified-manifest and manifest-digest-error: the payload names another digest', async () => {
  for (const dir of ['dir-img-cosign-modified-manifest', 'dir-img-cosign-manifest-digest-error']) {
    const c = containersImageCase(dir);
    const r = await verifier.verifyImage(c.fetcher, c.repo, c.digest!);
    assert.equal(r.verified, false);
    assert.match(r.errors[0]!, /layer 0: payload names another digest: sha256:634a8f35b5f1…, not sha256:/);
  }
});

test('no-manifest: nothing is signed for a digest without signatures', async () => {
  const c = containersImageCase('dir-img-cosign-no-manifest');
  assert.equal(c.digest, undefined);
  const digest = `sha256:${'ab'.repeat(32)}`;
  const r = await verifier.verifyImage(c.fetcher, c.repo, digest);
  assert.deepEqual(r.errors, [`no signature found for sha256:abababababab… (no sigstore referrer, no ${c.repo}:sha256-${'ab'.repeat(32)}.sig)`]);
});

test('other-attachment: a non-simple-signing layer is not a usable signature', async () => {
  const c = containersImageCase('dir-img-cosign-other-attachment');
  const r = await verifier.verifyImage(c.fetcher, c.repo, c.digest!);
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, /layer 0: media type text\/plain is not a cosign simple-signing payload/);
});

test('pki-valid: a private-PKI certificate is INVALID against the public-good trusted root', async () => {
  const c = containersImageCase('dir-img-cosign-pki-valid');
  const pkiVerifier = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, identities: [{ issuer: 'x', subjectRegExp: '.*' }] });
  const r = await pkiVerifier.verifyImage(c.fetcher, c.repo, c.digest!);
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, /layer 0: certificate signature without a Rekor entry or RFC 3161 timestamp/);
});
