import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDpkgVersions, isValidDpkgVersion, parseDpkgVersion, verrevcmp } from './dpkg.js';
import { orderingFailures, readFixture, scalibrVectors } from './vector-fixtures.test.js';

test('dpkg: Dpkg_Version.t data table (dpkg\'s own vectors), 43 of 43', (t) => {
  const rows = readFixture('dpkg/Dpkg_Version.t.DATA.txt')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(' '));
  assert.equal(rows.length, 43);
  const failures = rows
    .filter((row) => row.length !== 3 || compareDpkgVersions(row[0]!, row[1]!) !== Number(row[2]))
    .map((row) => row.join(' '));
  assert.deepEqual(failures, []);
  t.diagnostic(`${rows.length} vectors, 0 filtered`);
});

test('dpkg: osv-scalibr Debian vectors, both directions, 14,472 of 14,472', (t) => {
  const vectors = [...scalibrVectors('osv-scalibr/debian-versions.txt'), ...scalibrVectors('osv-scalibr/debian-versions-generated.txt')];
  assert.equal(vectors.length, 14472);
  assert.deepEqual(orderingFailures(vectors, compareDpkgVersions), []);
  t.diagnostic(`${vectors.length} vectors, 0 filtered`);
});

test('dpkg: parsing splits epoch, upstream and revision as dpkg does', () => {
  assert.deepEqual(parseDpkgVersion('1:2.30-5+deb12u1'), { epoch: 1n, upstream: '2.30', revision: '5+deb12u1' });
  assert.deepEqual(parseDpkgVersion(' 2.4.2-6 '), { epoch: 0n, upstream: '2.4.2', revision: '6' });
  // the revision follows the last hyphen; the upstream version may contain more
  assert.deepEqual(parseDpkgVersion('1.2-3-4'), { epoch: 0n, upstream: '1.2-3', revision: '4' });
  // only the first colon ends the epoch
  assert.deepEqual(parseDpkgVersion('2:1:0-1'), { epoch: 2n, upstream: '1:0', revision: '1' });
});

test('dpkg: what dpkg refuses (error) and what it only warns about', () => {
  const severity = (v: string): string | undefined => parseDpkgVersion(v).problem?.severity;
  for (const v of ['', '   ', '1 2', 'a:1', ':1', '-1:2', '1:', '1.0-', '99999999999:1']) assert.equal(severity(v), 'error', v);
  for (const v of ['abc', '1.0_1', '1.0-1_2', '1.0~rc1-1é']) assert.equal(severity(v), 'warning', v);
  for (const v of ['0', '1.0', '1:1.0~rc1+dfsg-1~bpo12+1', '+1:0']) assert.equal(severity(v), undefined, v);
  assert.equal(isValidDpkgVersion('1.0-1'), true);
  assert.equal(isValidDpkgVersion('1.0_1'), false);
});

test('dpkg: `~` sorts before the end of the string, letters before other punctuation', () => {
  const ascending = ['1.0~~', '1.0~~a', '1.0~', '1.0~1', '1.0', '1.0a', '1.0z', '1.0+', '1.0.', '1.0.1', '1.1'];
  for (let i = 1; i < ascending.length; i++) assert.equal(verrevcmp(ascending[i - 1]!, ascending[i]!), -1, ascending[i]);
});

test('dpkg: numbers of any size and refused strings still compare, without throwing', () => {
  assert.equal(compareDpkgVersions('1.99999999999999999999999', '1.99999999999999999999998'), 1);
  assert.equal(compareDpkgVersions('99999999999:1', '1:1'), 1);
  assert.equal(compareDpkgVersions('garbage', 'garbage'), 0);
  assert.equal(compareDpkgVersions('', '0'), 0); // as `dpkg --compare-versions '' eq 0`
  assert.equal(compareDpkgVersions('1 2', '1'), 1);
  assert.equal(compareDpkgVersions('1.0\u00001', '1.0'), 0); // dpkg never sees past a NUL
});

test('dpkg: non-ASCII bytes order as signed chars do on amd64: after letters, before ASCII punctuation', () => {
  // as checked with dpkg 1.21 on amd64: 1.0 < 1.0z < 1.0é < 1.0+
  assert.equal(compareDpkgVersions('1.0z', '1.0é'), -1);
  assert.equal(compareDpkgVersions('1.0é', '1.0+'), -1);
  assert.equal(compareDpkgVersions('1.0', '1.0é'), -1);
});
