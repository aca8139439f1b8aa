import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileIdentities, derUtf8String, matchIdentity } from './identity-policy.js';
import type { ConfigProblemsError } from './config-problems.js';

const oid = (arc: number, value: Buffer) => ({ oid: { id: `1.3.6.1.4.1.57264.1.${arc}`.split('.').map(Number) }, value });

test('DER UTF8String: short and long definite lengths', () => {
  assert.deepEqual([...derUtf8String('push')], [0x0c, 4, 0x70, 0x75, 0x73, 0x68]);
  assert.deepEqual([...derUtf8String('x'.repeat(200)).subarray(0, 3)], [0x0c, 0x81, 200]);
  assert.deepEqual([...derUtf8String('x'.repeat(300)).subarray(0, 4)], [0x0c, 0x82, 0x01, 0x2c]);
});

test('an exact subject is escaped and anchored; a pattern is anchored', () => {
  const [exact, pattern] = compileIdentities([
    { issuer: 'https://issuer', subject: 'a.b@example.com' },
    { issuer: 'https://issuer', subjectRegExp: 'https://github\\.com/org/.*' },
  ]);
  assert.equal(exact!.subject.test('a.b@example.com'), true);
  assert.equal(exact!.subject.test('aXb@example.com'), false);
  assert.equal(exact!.subject.test('evil-a.b@example.com'), false);
  assert.equal(pattern!.subject.test('https://github.com/org/repo/.github/workflows/x.yml@refs/heads/main'), true);
  assert.equal(pattern!.subject.test('https://evil.example/?https://github.com/org/x'), false);
});

test('claims compare the DER bytes the certificate carries', () => {
  const [identity] = compileIdentities([{ issuer: 'https://i', subject: 's', sourceRepositoryRef: 'refs/heads/main' }]);
  const signer = (ref: string) => ({
    subjectAlternativeName: 's',
    extensions: { issuer: 'https://i' },
    oids: [oid(14, derUtf8String(ref))],
  });
  assert.ok('matched' in matchIdentity([identity!], signer('refs/heads/main')));
  const mismatch = matchIdentity([identity!], signer('refs/heads/dev'));
  assert.ok('error' in mismatch);
  assert.equal(mismatch.error, 'identity mismatch: signer issuer=https://i subject=s; expected sourceRepositoryRef=refs/heads/main (certificate has refs/heads/dev)');
  const raw = matchIdentity([identity!], { ...signer('x'), oids: [oid(14, Buffer.from('refs/heads/main'))] });
  assert.ok('error' in raw, 'a raw (non-DER) value must not match');
});

test('any one of several identities may match; the error lists them all', () => {
  const identities = compileIdentities([
    { issuer: 'https://a', subject: 'x' },
    { issuer: 'https://b', subject: 'y' },
  ]);
  const signer = { subjectAlternativeName: 'y', extensions: { issuer: 'https://b' } };
  assert.ok('matched' in matchIdentity(identities, signer));
  const none = matchIdentity(identities, { subjectAlternativeName: 'z', extensions: { issuer: 'https://b' } });
  assert.deepEqual(none, { error: 'identity mismatch: signer issuer=https://b subject=z; expected issuer https://a or subject /^y$/' });
});

test('invalid identities are all reported at once', () => {
  assert.throws(
    () => compileIdentities([
      { issuer: '', subject: 's' },
      { issuer: 'i' },
      { issuer: 'i', subject: 's', subjectRegExp: 's' },
      { issuer: 'i', subjectRegExp: '[' },
      { issuer: 'i', subject: 's', workflow: 'x' } as never,
    ]),
    (err: ConfigProblemsError) => {
      assert.equal(err.problems.length, 5, err.message);
      assert.match(err.message, /identities\[0\]: issuer is required/);
      assert.match(err.message, /identities\[1\]: give exactly one of subject or subjectRegExp/);
      assert.match(err.message, /identities\[3\]: subjectRegExp is not a valid RegExp/);
      assert.match(err.message, /identities\[4\]: unknown field "workflow"/);
      return true;
    },
  );
});
