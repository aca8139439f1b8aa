import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareMavenVersions, parseMavenVersion } from './maven.js';
import { ascendingListFailures, orderingFailures, readJsonFixture, scalibrVectors } from './vector-fixtures.test.js';

interface MavenVectors {
  VERSIONS_QUALIFIER: string[];
  VERSIONS_NUMBER: string[];
  checkVersionsEqual: [string, string][];
  checkVersionsOrder_lt: [string, string][];
  checkVersionsArrayEqual: unknown[];
}
const maven = readJsonFixture<MavenVectors>('maven/ComparableVersionTest-vectors.json');

test('maven: ComparableVersionTest VERSIONS_QUALIFIER (ascending), all 484 ordered pairs', () => {
  assert.equal(maven.VERSIONS_QUALIFIER.length, 22);
  assert.deepEqual(ascendingListFailures(maven.VERSIONS_QUALIFIER, compareMavenVersions), []);
});

/**
 * One pair in Maven's current VERSIONS_NUMBER list tests MNG-7644 (Maven 3.9+):
 * Maven now reads a trailing `.X` as `-X`, making `2.0.a` < `2-1`. The version
 * order specification — which OSV, osv-scanner and Maven 3.8 follow, and so the
 * 14,854 osv-scalibr vectors below — gives `2.0.a` > `2-1` (`.0` is a `.number`,
 * above a `-number`). The pair is filtered in both directions and counted.
 */
const MNG_7644 = new Set(['2.0.a|2-1', '2-1|2.0.a']);

test('maven: ComparableVersionTest VERSIONS_NUMBER (ascending), 574 of 576 ordered pairs (2 filtered)', (t) => {
  const list = maven.VERSIONS_NUMBER;
  assert.equal(list.length, 24);
  const skip = (i: number, j: number): boolean => MNG_7644.has(`${list[i]}|${list[j]}`);
  assert.equal(list.flatMap((a) => list.filter((b) => MNG_7644.has(`${a}|${b}`))).length, 2);
  assert.deepEqual(ascendingListFailures(list, compareMavenVersions, { skip }), []);
  assert.equal(compareMavenVersions('2.0.a', '2-1'), 1); // the specification's answer, kept
  t.diagnostic('574 pairs checked, 2 filtered (MNG-7644: trailing ".X" read as "-X" since Maven 3.9)');
});

test('maven: ComparableVersionTest checkVersionsEqual (31) and checkVersionsOrder (24), both directions', () => {
  assert.equal(maven.checkVersionsEqual.length, 31);
  assert.equal(maven.checkVersionsOrder_lt.length, 24);
  assert.equal(maven.checkVersionsArrayEqual.length, 0);
  const equal = maven.checkVersionsEqual.filter(([a, b]) => compareMavenVersions(a, b) !== 0 || compareMavenVersions(b, a) !== 0);
  const ordered = maven.checkVersionsOrder_lt.filter(([a, b]) => compareMavenVersions(a, b) !== -1 || compareMavenVersions(b, a) !== 1);
  assert.deepEqual([...equal, ...ordered], []);
});

test('maven: osv-scalibr Maven vectors, both directions, 14,854 of 14,854', (t) => {
  const vectors = [...scalibrVectors('osv-scalibr/maven-versions.txt'), ...scalibrVectors('osv-scalibr/maven-versions-generated.txt')];
  assert.equal(vectors.length, 14854);
  assert.deepEqual(orderingFailures(vectors, compareMavenVersions), []);
  t.diagnostic(`${vectors.length} vectors, 0 filtered`);
});

test('maven: tokens, aliases and trimming as in the specification\'s examples', () => {
  const text = (v: string): string =>
    parseMavenVersion(v)
      .map((t, i) => (i === 0 ? '' : t.separator) + (t.number ?? t.qualifier))
      .join('');
  assert.equal(text('1-1.foo-bar1baz-.1'), '1-1.foo-bar-1-baz-0.1');
  for (const v of ['1.0.0', '1.ga', '1.final', '1.0', '1.', '1-']) assert.equal(text(v), '1', v);
  assert.equal(text('1.0.0-foo.0.0'), '1-foo');
  assert.equal(text('1.0.0-0.0.0'), '1');
  assert.equal(text('1.0-CR1'), '1-rc-1');
  assert.equal(text('1a1'), '1-alpha-1');
  assert.equal(text('1a'), '1-a');
});

test('maven: qualifier order and separators', () => {
  const ascending = ['1-alpha', '1-beta', '1-milestone', '1-rc', '1-snapshot', '1', '1-sp', '1-abc', '1-1', '1.1', '1.1.1'];
  assert.deepEqual(ascendingListFailures(ascending, compareMavenVersions), []);
  assert.equal(compareMavenVersions('1.rc', '1-rc'), -1); // .qualifier < -qualifier
  // the zero before '-RC1' is trimmed, the one before '.RC1' is not (Maven 3.9+ disagrees: MNG-7644)
  assert.equal(compareMavenVersions('1.0.RC1', '1.0-RC1'), 1);
  assert.equal(compareMavenVersions('1.sp', '1'), 1);
  assert.equal(compareMavenVersions('1.foo', '1'), 1);
  assert.equal(compareMavenVersions('99999999999999999999.1', '99999999999999999998.2'), 1);
  assert.equal(compareMavenVersions('', '0'), 0);
});

test('maven: the specification is not transitive at its edges, as OSV\'s and Maven 3.8\'s orders are not', () => {
  // ".p" is above the padding null, "-beta" below it, and ".qualifier" < "-qualifier" regardless
  assert.equal(compareMavenVersions('1beta', '1'), -1);
  assert.equal(compareMavenVersions('1', '1.p'), -1);
  assert.equal(compareMavenVersions('1.p', '1beta'), -1);
});
