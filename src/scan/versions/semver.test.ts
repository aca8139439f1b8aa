import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNpmVersions, isValidNpmVersion, parseNpmSemver } from './semver.js';
import { orderingFailures, readJsonFixture, scalibrVectors } from './vector-fixtures.test.js';

type Fixtures = Record<string, unknown[][]>;
const fixtures = readJsonFixture<Fixtures>('node-semver/fixtures.json');

/**
 * node-semver's fixture tables that are about ordering or parsing single
 * versions are all checked. The others test APIs a version comparer does not
 * have — ranges, comparator intersection, increment/truncation — and are
 * filtered here, by table, and counted.
 */
const NOT_ABOUT_ORDERING = [
  'comparator-intersection', 'increments', 'range-exclude', 'range-include', 'range-intersection', 'range-parse',
  'truncations', 'version-gt-range', 'version-lt-range', 'version-not-gt-range', 'version-not-lt-range',
];
const CHECKED = ['comparisons', 'equality', 'valid-versions', 'invalid-versions'];

test('npm: node-semver fixture tables are all accounted for', (t) => {
  assert.deepEqual(Object.keys(fixtures).sort(), [...CHECKED, ...NOT_ABOUT_ORDERING].sort());
  const filtered = NOT_ABOUT_ORDERING.reduce((n, table) => n + fixtures[table]!.length, 0);
  assert.equal(filtered, 882);
  t.diagnostic(`${filtered} range/increment fixtures filtered (not about ordering versions)`);
});

test('npm: node-semver comparisons (a > b, both directions), 31 of 31', () => {
  const rows = fixtures.comparisons as [string, string][];
  assert.equal(rows.length, 31);
  const failures = rows.filter(([a, b]) => compareNpmVersions(a, b) !== 1 || compareNpmVersions(b, a) !== -1);
  assert.deepEqual(failures, []);
});

test('npm: node-semver equality, 37 of 37', () => {
  const rows = fixtures.equality as [string, string][];
  assert.equal(rows.length, 37);
  assert.deepEqual(rows.filter(([a, b]) => compareNpmVersions(a, b) !== 0 || compareNpmVersions(b, a) !== 0), []);
});

test('npm: node-semver valid versions parse to the same parts, 22 of 22', () => {
  const rows = fixtures['valid-versions'] as [string, number, number, number, (string | number)[], string[]][];
  assert.equal(rows.length, 22);
  for (const [v, major, minor, patch, prerelease, build] of rows) {
    assert.deepEqual(parseNpmSemver(v), {
      major: String(major), minor: String(minor), patch: String(patch), prerelease: prerelease.map(String), build,
    }, v);
  }
});

test('npm: node-semver invalid versions are refused, 7 of 10 (3 filtered: not strings)', (t) => {
  const rows = fixtures['invalid-versions'] as [unknown, string, unknown?][];
  assert.equal(rows.length, 10);
  // Three rows pass objects (a RegExp, an object with toString) to test node-semver's type checks.
  const strings = rows.filter((row): row is [string, string] => typeof row[0] === 'string');
  assert.equal(strings.length, 7);
  for (const [v, why] of strings) {
    assert.equal(isValidNpmVersion(v), false, why);
    assert.equal(parseNpmSemver(v), undefined, why);
  }
  t.diagnostic('7 checked, 3 filtered (non-string inputs)');
});

test('npm: osv-scalibr semver vectors, both directions, 86 of 86', () => {
  const vectors = scalibrVectors('osv-scalibr/semver-versions.txt');
  assert.equal(vectors.length, 86);
  assert.deepEqual(orderingFailures(vectors, compareNpmVersions), []);
});

test('npm: strict first, then loose, then a best-effort reading', () => {
  assert.deepEqual(parseNpmSemver('1.2.3beta'), undefined);
  assert.deepEqual(parseNpmSemver('1.2.3beta', { loose: true })?.prerelease, ['beta']);
  assert.equal(compareNpmVersions('1.2.3beta', '1.2.3-beta'), 0);
  assert.equal(compareNpmVersions('01.2.3', '1.2.3'), 0);
  assert.equal(compareNpmVersions('1.2', '1.2.0'), 0); // not semver, read as 1.2.0
  assert.equal(compareNpmVersions('1.2.3-rc.10', '1.2.3-rc.9'), 1);
  assert.equal(compareNpmVersions('1.2.3-99999999999999999999', '1.2.3-99999999999999999998'), 1);
  assert.equal(compareNpmVersions('hello, world', '0.0.0'), -1);
  assert.equal(isValidNpmVersion('=v1.2.3'), true);
  assert.equal(isValidNpmVersion('1.2'), false);
});
