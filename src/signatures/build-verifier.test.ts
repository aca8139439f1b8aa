import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignatureConfigError, buildVerifier } from './build-verifier.js';
import { CONNAISSEUR_KEYS, TRUSTED_ROOTS, fixturePath } from './testing/signature-fixtures.js';

const pem = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) => key.export({ format: 'pem', type: 'spki' }).toString();

test('keys load from a path or PEM text; ECDSA, Ed25519 and RSA are accepted', () => {
  const verifier = buildVerifier({
    trustedRoot: TRUSTED_ROOTS.current,
    keys: [
      CONNAISSEUR_KEYS[0]!,
      { name: 'inline', publicKey: readFileSync(fixturePath('connaisseur-legacy/keys/bob.pub.pem'), 'utf8') },
      { name: 'ed', publicKey: pem(generateKeyPairSync('ed25519').publicKey) },
      { name: 'rsa', publicKey: pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey) },
      { name: 'p384', publicKey: pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey) },
    ],
  });
  assert.deepEqual(verifier.keyNames, ['alice', 'inline', 'ed', 'rsa', 'p384']);
});

test('every config problem is listed in one SignatureConfigError', () => {
  assert.throws(
    () => buildVerifier({
      trustedRoot: fixturePath('connaisseur-legacy/keys/alice.pub.pem'),
      keys: [
        { name: 'missing', publicKey: '/nonexistent/key.pem' },
        { name: 'k1', publicKey: pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey) },
        { name: 'weak', publicKey: pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey) },
        { name: 'alice', publicKey: CONNAISSEUR_KEYS[0]!.publicKey },
        { name: 'alice', publicKey: CONNAISSEUR_KEYS[0]!.publicKey },
      ],
      identities: [{ issuer: 'https://i' }],
      limits: { maxSignatures: 0 },
    }),
    (err: unknown) => {
      assert.ok(err instanceof SignatureConfigError);
      assert.equal(err.problems.length, 7, err.message);
      const text = err.problems.join('\n');
      assert.match(text, /trustedRoot .*alice\.pub\.pem: .*JSON/);
      assert.match(text, /keys\[0\] \(missing\): ENOENT/);
      assert.match(text, /keys\[1\] \(k1\): unsupported key type ec secp256k1/);
      assert.match(text, /keys\[2\] \(weak\): unsupported key type rsa 1024 bits/);
      assert.match(text, /keys\[4\] \(alice\): duplicate key name/);
      assert.match(text, /identities\[0\]: give exactly one of subject or subjectRegExp/);
      assert.match(text, /limits must be positive integers: maxSignatures/);
      return true;
    },
  );
});

test('a JSON file that is not a sigstore trusted root is refused', () => {
  assert.throws(
    () => buildVerifier({ trustedRoot: fixturePath('containers-image-cosign/EXPECTED-RESULTS.json') }),
    /not a sigstore trusted root \(mediaType undefined\)/,
  );
  assert.throws(() => buildVerifier({ trustedRoot: '' }), /trustedRoot \(path of trusted_root\.json\) is required/);
});
