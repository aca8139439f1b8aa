import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareApkVersions, isValidApkVersion, matchApkVersion } from './apk.js';
import { orderingFailures, readFixture, scalibrVectors } from './vector-fixtures.test.js';

/**
 * apk-tools' test/unit/version.data, read as its version_test.c reads it: text
 * after `#` is a comment; "a op b" must hold (a leading `!` on op negates it);
 * "v" must be a valid version and "!v" an invalid one.
 */
test('apk: apk-tools version.data (comparisons, fuzzy matches, validity), 785 of 785', (t) => {
  const lines = readFixture('apk-tools/version.data')
    .split('\n')
    .map((line) => line.split('#')[0]!.trim())
    .filter((line) => line !== '');
  assert.equal(lines.length, 785);
  const failures: string[] = [];
  let comparisons = 0;
  for (const line of lines) {
    const parts = line.split(' ');
    let ok: boolean;
    if (parts.length === 3) {
      comparisons++;
      const negate = parts[1]!.startsWith('!');
      ok = matchApkVersion(parts[0]!, parts[1]!.replace(/^!/, ''), parts[2]!) !== negate;
    } else {
      const negate = line.startsWith('!');
      ok = isValidApkVersion(line.replace(/^!/, '')) !== negate;
    }
    if (!ok) failures.push(line);
  }
  assert.deepEqual(failures, []);
  t.diagnostic(`${comparisons} comparisons and ${lines.length - comparisons} validity checks, 0 filtered`);
});

/**
 * Two of osv-scalibr's hand-written Alpine cases use strings apk-tools rejects
 * and expect an answer apk-tools 3 does not give (scalibr reads a bare `-r` as
 * `-r0`, as apk-tools 2 did). apk-tools is the reference here, so they are
 * filtered — by exact line, and checked to be what apk-tools 3 says instead.
 */
const APK2_ONLY: ReadonlyMap<string, number> = new Map([
  ['1-r = 1-r0', -1], // apk-tools 3: "-r" without digits is an invalid token, below revision 0
  ['1-r0-1 = 1-r-2', 1], // apk-tools 3: "1-r0" reads further than "1-r-2" before both turn invalid
]);

test('apk: osv-scalibr Alpine vectors, both directions, 14,755 of 14,757 (2 filtered)', (t) => {
  const all = [...scalibrVectors('osv-scalibr/alpine-versions.txt'), ...scalibrVectors('osv-scalibr/alpine-versions-generated.txt')];
  assert.equal(all.length, 14757);
  const filtered = all.filter((v) => APK2_ONLY.has(`${v.a} ${v.op} ${v.b}`));
  assert.equal(filtered.length, APK2_ONLY.size);
  for (const v of filtered) {
    assert.equal(isValidApkVersion(v.a) && isValidApkVersion(v.b), false, `${v.where} uses valid versions`);
    assert.equal(compareApkVersions(v.a, v.b), APK2_ONLY.get(`${v.a} ${v.op} ${v.b}`));
  }
  const checked = all.filter((v) => !filtered.includes(v));
  assert.deepEqual(orderingFailures(checked, compareApkVersions), []);
  t.diagnostic(`${checked.length} vectors checked, ${filtered.length} filtered (apk-tools 2 behaviour on invalid versions)`);
});

test('apk: suffixes, letters, revisions and hashes in apk order', () => {
  const ascending = [
    '1.0_alpha', '1.0_alpha1', '1.0_beta', '1.0_pre1', '1.0_rc1', '1.0', '1.0-r1', '1.0_cvs', '1.0_svn', '1.0_git',
    '1.0_hg', '1.0_p1', '1.0a', '1.0b', '1.0.0', '1.0.1', '1.1',
  ];
  for (let i = 1; i < ascending.length; i++) assert.equal(compareApkVersions(ascending[i - 1]!, ascending[i]!), -1, ascending[i]);
  assert.equal(compareApkVersions('1.0~abc', '1.0~abd'), -1);
  assert.equal(compareApkVersions('1.02', '1.1'), -1); // leading zero: compared as strings, "02" < "1"
  assert.equal(compareApkVersions('1.0-r18446744073709551616', '1.0-r0'), 0); // apk's revision is a wrapping uint64
  assert.equal(isValidApkVersion('1_constructor'), false);
  assert.equal(isValidApkVersion('1_p'), true);
});

test('apk: where apk-tools gives up on both versions, the rest still orders', () => {
  // Alpine's secdb has such versions; apk-tools 3 calls each pair equal
  assert.equal(compareApkVersions('6.0.2p1-r0', '6.0.2p1-r1'), -1);
  assert.equal(compareApkVersions('6.0.2p1-r9', '6.0.2p1-r10'), -1);
  assert.equal(compareApkVersions('a', 'b'), -1);
  // …but garbage after the release part stays apk-tools' "equal"
  assert.equal(compareApkVersions('1-r0-1', '1-r0-2'), 0);
  assert.equal(matchApkVersion('6.0.2p1-r0', '<', '6.0.2p1-r1'), true);
});

test('apk: long unreadable input neither throws nor recurses', () => {
  const long = `0${'a1'.repeat(50_000)}`;
  assert.equal(compareApkVersions(long, `${long}2`), -1);
  assert.equal(isValidApkVersion(long), false);
});
