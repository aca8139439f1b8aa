import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRpmVersions, isValidRpmVersion, parseRpmVersion, rpmvercmp } from './rpm.js';
import { orderingFailures, readFixture, scalibrVectors } from './vector-fixtures.test.js';

test('rpm: rpm\'s own rpmvercmp cases, 103 of 103', (t) => {
  const rows = readFixture('rpm/rpmvercmp.txt')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(' '));
  assert.equal(rows.length, 103);
  assert.deepEqual(rows.filter((row) => row.length !== 3 || rpmvercmp(row[0]!, row[1]!) !== Number(row[2])), []);
  t.diagnostic(`${rows.length} vectors, 0 filtered`);
});

test('rpm: osv-scalibr Red Hat vectors (epoch:version-release), both directions, 165 of 165', (t) => {
  const vectors = scalibrVectors('osv-scalibr/redhat-versions.txt');
  assert.equal(vectors.length, 165);
  assert.deepEqual(orderingFailures(vectors, compareRpmVersions), []);
  t.diagnostic(`${vectors.length} vectors, 0 filtered`);
});

test('rpm: parseEVR splits at leading digits + ":" and at the last "-"', () => {
  assert.deepEqual(parseRpmVersion('1:2.3-4.el9'), { epoch: '1', version: '2.3', release: '4.el9' });
  assert.deepEqual(parseRpmVersion('2.3'), { epoch: '0', version: '2.3' });
  assert.deepEqual(parseRpmVersion(':2.3-'), { epoch: '0', version: '2.3', release: '' });
  assert.deepEqual(parseRpmVersion('a:1-2-3'), { epoch: '0', version: 'a:1-2', release: '3' });
});

test('rpm: a missing release sorts before any release; epochs compare as numbers', () => {
  assert.equal(compareRpmVersions('1.0', '1.0-0'), -1);
  assert.equal(compareRpmVersions('1.0-', '1.0'), 1);
  assert.equal(compareRpmVersions('0:1.0-1', '1.0-1'), 0);
  assert.equal(compareRpmVersions('10:1', '9:2'), 1);
  assert.equal(compareRpmVersions('0:4.18.0-372.9.1.el8', '0:4.18.0-372.19.1.el8'), -1);
  assert.equal(compareRpmVersions('2.9.1-1.el8_7.1', '2.9.1-1.el8'), 1);
});

test('rpm: validity follows the characters rpm-build allows', () => {
  for (const v of ['1.0-1.el9', '2:1.0~rc1^git3-0.1', '1_2+3']) assert.equal(isValidRpmVersion(v), true, v);
  for (const v of ['', '1.0-1-2', 'a:1.0', '1.0 -1', '1:']) assert.equal(isValidRpmVersion(v), false, v);
});
