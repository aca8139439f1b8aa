import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presentedCredential } from './credentials.js';
import { generateToken, hashToken, hashesEqual, isTokenShaped } from './token-secret.js';

const basic = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

test('tokens: prefix + 43 base64url characters, sha256 stored form', () => {
  const t = generateToken();
  assert.match(t, /^pcs_[A-Za-z0-9_-]{43}$/);
  assert.ok(isTokenShaped(t));
  assert.notEqual(generateToken(), t);
  assert.match(hashToken(t), /^sha256:[a-f0-9]{64}$/);
  assert.ok(hashesEqual(hashToken(t), hashToken(t)));
  assert.ok(!hashesEqual(hashToken(t), hashToken(generateToken())));
  assert.ok(!hashesEqual('sha256:ab', hashToken(t)));
});

test('Authorization forms: Bearer token, Bearer JWT, Basic with the token as password', () => {
  const t = generateToken();
  assert.deepEqual(presentedCredential(undefined), { kind: 'none' });
  assert.deepEqual(presentedCredential(`Bearer ${t}`), { kind: 'token', secret: t });
  assert.deepEqual(presentedCredential(`bearer  ${t} `), { kind: 'token', secret: t });
  assert.deepEqual(presentedCredential(basic(`anyone:${t}`)), { kind: 'token', secret: t });
  assert.deepEqual(presentedCredential(basic(`:${t}`)), { kind: 'token', secret: t });
  assert.deepEqual(presentedCredential('Bearer aaa.bbb.ccc'), { kind: 'jwt', jwt: 'aaa.bbb.ccc' });
});

test('malformed credentials say what is wrong', () => {
  assert.match((presentedCredential(basic('user:hunter2')) as { why: string }).why, /not a portcullis token/);
  assert.match((presentedCredential(basic('nocolon')) as { why: string }).why, /malformed Basic/);
  assert.match((presentedCredential('Digest x') as { why: string }).why, /unsupported Authorization scheme/);
  assert.match((presentedCredential('Bearer') as { why: string }).why, /unsupported/);
  assert.match((presentedCredential('Bearer not-a-token') as { why: string }).why, /neither a portcullis token/);
  assert.equal(presentedCredential('Bearer ' + 'a'.repeat(9000)).kind, 'malformed');
});
