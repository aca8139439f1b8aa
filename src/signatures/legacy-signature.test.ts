import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkSimpleSigningPayload, legacySignatureToBundleJson } from './legacy-signature.js';
import { CONNAISSEUR, fixturePath } from './testing/signature-fixtures.js';

const dir = fixturePath('connaisseur-legacy');
const keylessPayload = readFileSync(`${dir}/blobs/sha256-897d9e862b4599b723442f36ed7b4cfd1628bb7656643c56855988cac161d065.json`);
const keylessLayer = (JSON.parse(readFileSync(`${dir}/sig-manifests/sha256-${CONNAISSEUR.keyless.slice(7)}.sig.json`, 'utf8')) as {
  layers: { annotations: Record<string, string> }[];
}).layers[0]!;

test('the keyless .sig converts to the same bundle v0.1 content as the research conversion', () => {
  const ours = legacySignatureToBundleJson(keylessPayload, keylessLayer.annotations) as {
    mediaType: string;
    verificationMaterial: { x509CertificateChain: { certificates: { rawBytes: string }[] }; tlogEntries: unknown[] };
    messageSignature: unknown;
  };
  const golden = JSON.parse(readFileSync(`${dir}/DERIVED-keyless-as-bundle-v0.1.json`, 'utf8')) as {
    verificationMaterial: { certificate: { rawBytes: string }; tlogEntries: unknown[] };
    messageSignature: unknown;
  };
  assert.equal(ours.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.1');
  assert.deepEqual(ours.messageSignature, golden.messageSignature);
  assert.deepEqual(ours.verificationMaterial.tlogEntries, golden.verificationMaterial.tlogEntries);
  assert.deepEqual(ours.verificationMaterial.x509CertificateChain.certificates, [golden.verificationMaterial.certificate]);
});

test('a key-based .sig converts to a public-key hint bundle without tlog entries', () => {
  const json = legacySignatureToBundleJson(keylessPayload, { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' });
  assert.deepEqual(json.verificationMaterial, { publicKey: { hint: '' }, tlogEntries: [] });
});

test('wrapped base64 signatures (Go decoders skip line breaks) are accepted', () => {
  const json = legacySignatureToBundleJson(keylessPayload, { 'dev.cosignproject.cosign/signature': 'MEUC\nIQ==\n' });
  assert.equal((json.messageSignature as { signature: string }).signature, 'MEUCIQ==');
});

test('the simple-signing payload must be a cosign signature of this digest', () => {
  assert.doesNotThrow(() => checkSimpleSigningPayload(keylessPayload, CONNAISSEUR.keyless));
  assert.throws(() => checkSimpleSigningPayload(keylessPayload, CONNAISSEUR.alice), /payload names another digest: sha256:31dc72a13a0c…, not sha256:071bf7a986f1…/);
  assert.throws(() => checkSimpleSigningPayload(Buffer.from('[]'), CONNAISSEUR.alice), /simple-signing payload is not a JSON object/);
  assert.throws(() => checkSimpleSigningPayload(Buffer.from('{"optional":null}'), CONNAISSEUR.alice), /has no "critical" section/);
  assert.throws(
    () => checkSimpleSigningPayload(Buffer.from('{"critical":{"type":"atomic container signature","image":{}}}'), CONNAISSEUR.alice),
    /type is "atomic container signature", not "cosign container image signature"/,
  );
});
