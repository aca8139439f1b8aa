import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalGoVersion, compareGoVersions, isValidGoVersion } from './go.js';
import { ascendingListFailures, orderingFailures, readJsonFixture, scalibrVectors } from './vector-fixtures.test.js';

const { tests_in_canonical: table } = readJsonFixture<{ tests_in_canonical: [string, string][] }>(
  'golang-semver/semver_test-vectors.json',
);

test('go: x/mod/semver table, Canonical of each of the 32 inputs', () => {
  assert.equal(table.length, 32);
  assert.deepEqual(table.filter(([input, canonical]) => canonicalGoVersion(input) !== canonical), []);
  assert.deepEqual(table.filter(([input, canonical]) => isValidGoVersion(input) !== (canonical !== '')), []);
});

test('go: x/mod/semver TestCompare over the table, all 1,024 ordered pairs', (t) => {
  // As in semver_test.go: listed in increasing order; equal canonical forms (all invalid ones included) compare equal.
  const inputs = table.map(([input]) => input);
  const same = (i: number, j: number): boolean => table[i]![1] === table[j]![1];
  assert.deepEqual(ascendingListFailures(inputs, compareGoVersions, { equal: same }), []);
  t.diagnostic(`${inputs.length ** 2} pairs, 0 filtered`);
});

test('go: osv-scalibr semver vectors (scalibr runs them for Go too), both directions, 86 of 86', () => {
  const vectors = scalibrVectors('osv-scalibr/semver-versions.txt');
  assert.equal(vectors.length, 86);
  assert.deepEqual(orderingFailures(vectors, compareGoVersions), []);
});

test('go: OSV writes Go versions without the v', () => {
  assert.equal(compareGoVersions('1.2.3', 'v1.2.3'), 0);
  assert.equal(compareGoVersions('1.2', 'v1.2.0'), 0);
  assert.equal(compareGoVersions('0.0.0-20210101000000-abcdefabcdef', 'v0.0.1'), -1);
  assert.equal(canonicalGoVersion('1.2.3+meta'), 'v1.2.3');
  assert.equal(isValidGoVersion('1.2.3'), true);
});

test('go: pseudo-versions order by base version, then timestamp (go.dev/ref/mod#pseudo-versions)', () => {
  const ascending = [
    'v0.0.0-20191109021931-daa7c04131f5', // no tagged base
    'v0.0.0-20200101000000-000000000000',
    'v1.2.3',
    'v1.2.4-0.20191109021931-daa7c04131f5', // after v1.2.3, before v1.2.4
    'v1.2.4-0.20200101000000-aaaaaaaaaaaa',
    'v1.2.4-pre',
    'v1.2.4-pre.0.20191109021931-daa7c04131f5', // after v1.2.4-pre
    'v1.2.4',
  ];
  assert.deepEqual(ascendingListFailures(ascending, compareGoVersions), []);
});

test('go: +incompatible is build metadata and does not affect order', () => {
  assert.equal(compareGoVersions('v2.0.0+incompatible', 'v2.0.0'), 0);
  assert.equal(compareGoVersions('2.0.0+incompatible', 'v2.0.1+incompatible'), -1);
  assert.equal(compareGoVersions('v2.1.0+incompatible', 'v2.0.0'), 1);
  assert.equal(canonicalGoVersion('v2.0.0+incompatible'), 'v2.0.0');
});

test('go: invalid versions sort first and equal to each other', () => {
  assert.equal(compareGoVersions('bad', 'v0.0.0-0'), -1);
  assert.equal(compareGoVersions('bad', 'v1.2-pre'), 0);
  assert.equal(compareGoVersions('', 'v01.0.0'), 0);
  assert.equal(compareGoVersions('v1.0.0', ''), 1);
});
