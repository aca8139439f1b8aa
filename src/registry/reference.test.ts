import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkName, checkDigest, parseReference } from './reference.js';
import { RegistryError } from '../errors.js';

const good = ['library/alpine', 'a', 'a/b/c', 'my-org/my.repo', 'a__b', 'a---b/c_d'];
const bad = ['', 'A', '../etc', 'a/../b', 'a//b', '/a', 'a/', 'a%2fb', 'a..b', '-a', 'a-', 'a b', 'x'.repeat(256), 'a/./b', 'a\\b'];

test('names follow the distribution grammar', () => {
  for (const n of good) assert.equal(checkName(n), n);
  for (const n of bad) assert.throws(() => checkName(n), (e: unknown) => e instanceof RegistryError && e.code === 'NAME_INVALID', n);
});

test('digests need a known algorithm and the right length', () => {
  checkDigest('sha256:' + 'a'.repeat(64));
  checkDigest('sha512:' + 'b'.repeat(128));
  for (const d of ['sha256:abc', 'sha256:' + 'A'.repeat(64), 'md5:' + 'a'.repeat(32), 'sha256:' + 'a'.repeat(64) + '/../x', 'sha256:']) {
    assert.throws(() => checkDigest(d), (e: unknown) => e instanceof RegistryError && e.code === 'DIGEST_INVALID' && e.status === 400, d);
  }
});

test('tags follow the grammar and are bounded', () => {
  assert.deepEqual(parseReference('v1.2.3-rc_1'), { kind: 'tag', tag: 'v1.2.3-rc_1' });
  for (const t of ['.hidden', '-x', 'a/b', 'x'.repeat(129), '..', 'a%2f']) {
    assert.throws(() => parseReference(t), (e: unknown) => e instanceof RegistryError && e.status === 400, t);
  }
});
