import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVerifier } from './build-verifier.js';
import {
  CONNAISSEUR, CONNAISSEUR_KEYS, TRUSTED_ROOTS, connaisseurRegistry,
} from './testing/signature-fixtures.js';

const keyed = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, keys: CONNAISSEUR_KEYS });
const keyless = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, identities: [CONNAISSEUR.keylessIdentity] });

test('071bf7a9… is signed by alice only', async () => {
  const fetcher = connaisseurRegistry();
  const result = await keyed.verifyImage(fetcher, CONNAISSEUR.repo, CONNAISSEUR.alice);
  assert.deepEqual(result, {
    verified: true, signer: { key: 'alice' }, format: 'legacy', errors: [], signedDigest: CONNAISSEUR.alice, attestations: [],
  });
  for (const other of ['bob', 'charlie', 'default']) {
    const r = await keyed.verifyImage(fetcher, CONNAISSEUR.repo, CONNAISSEUR.alice, { keys: [other] });
    assert.equal(r.verified, false, other);
    assert.match(r.errors.join('\n'), new RegExp(`layer 0: signature does not verify with any allowed key \\(${other}\\)`));
  }
});

test('bfec161f… has three layers signed by alice, bob and charlie', async () => {
  const fetcher = connaisseurRegistry();
  for (const name of ['alice', 'bob', 'charlie']) {
    const r = await keyed.verifyImage(fetcher, CONNAISSEUR.repo, CONNAISSEUR.aliceBobCharlie, { keys: [name] });
    assert.equal(r.verified, true, name);
    assert.deepEqual(r.signer, { key: name });
  }
  const r = await keyed.verifyImage(fetcher, CONNAISSEUR.repo, CONNAISSEUR.aliceBobCharlie, { keys: ['default'] });
  assert.equal(r.verified, false);
  assert.equal(r.errors.length, 3, r.errors.join('\n'));
  assert.match(r.errors[2]!, /layer 2: signature does not verify with any allowed key \(default\)/);
});

test('31dc72a1… keyless: Fulcio cert, SAN and issuer, Rekor SET, current trusted root', async () => {
  const fetcher = connaisseurRegistry();
  const r = await keyless.verifyImage(fetcher, CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless);
  assert.equal(r.verified, true, r.errors.join('\n'));
  assert.deepEqual(r.signer, { issuer: 'https://github.com/login/oauth', subject: 'philipp.belitz@securesystems.de' });
  assert.equal(r.format, 'legacy');
});

test('keyless identity mismatch names expected and actual', async () => {
  const fetcher = connaisseurRegistry();
  const cases = [
    { issuer: 'https://github.com/login/oauth', subject: 'someone@securesystems.de' },
    { issuer: 'https://accounts.google.com', subject: 'philipp.belitz@securesystems.de' },
    // a plain substring must not match: subjects are anchored
    { issuer: 'https://github.com/login/oauth', subjectRegExp: 'belitz@securesystems' },
  ];
  for (const identity of cases) {
    const r = await keyless.verifyImage(fetcher, CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless, { identities: [identity] });
    assert.equal(r.verified, false, JSON.stringify(identity));
    assert.match(r.errors[0]!, /identity mismatch: signer issuer=https:\/\/github\.com\/login\/oauth subject=philipp\.belitz@securesystems\.de; expected /);
  }
  const pattern = await keyless.verifyImage(fetcher, CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless, {
    identities: [{ issuer: 'https://github.com/login/oauth', subjectRegExp: '.*@securesystems\\.de' }],
  });
  assert.equal(pattern.verified, true);
});

test('a key-only policy rejects the keyless signature and vice versa, with a reason', async () => {
  const fetcher = connaisseurRegistry();
  const a = await keyed.verifyImage(fetcher, CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless);
  assert.match(a.errors[0]!, /keyless signature, but no keyless identity is allowed/);
  const b = await keyless.verifyImage(fetcher, CONNAISSEUR.repo, CONNAISSEUR.alice);
  assert.match(b.errors[0]!, /key-based signature, but no public key is allowed/);
});

test('the keyless legacy signature still verifies against the older roots (same Fulcio CA and Rekor key)', async () => {
  for (const root of [TRUSTED_ROOTS.staleCosignPgi, TRUSTED_ROOTS.staleSigstoreGo]) {
    const verifier = buildVerifier({ trustedRoot: root, identities: [CONNAISSEUR.keylessIdentity] });
    const r = await verifier.verifyImage(connaisseurRegistry(), CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless);
    assert.equal(r.verified, true, r.errors.join('\n'));
  }
});
