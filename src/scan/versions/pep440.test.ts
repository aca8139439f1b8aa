import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePep440, isValidPep440, legacyKey, normalizePep440 } from './pep440.js';
import { ascendingListFailures, orderingFailures, readJsonFixture, scalibrVectors } from './vector-fixtures.test.js';

test('pep440: pypa/packaging VERSIONS (strictly ascending), all 8,464 ordered pairs', (t) => {
  const { VERSIONS_sorted_ascending: versions } = readJsonFixture<{ VERSIONS_sorted_ascending: string[] }>(
    'pypa-packaging/test_version_VERSIONS.json',
  );
  assert.equal(versions.length, 92);
  assert.deepEqual(versions.filter((v) => !isValidPep440(v)), []);
  assert.deepEqual(ascendingListFailures(versions, comparePep440), []);
  t.diagnostic(`${versions.length} versions, ${versions.length ** 2} pairs, 0 filtered`);
});

test('pep440: osv-scalibr PyPI vectors, both directions, 12,412 of 12,412', (t) => {
  const vectors = [...scalibrVectors('osv-scalibr/pypi-versions.txt'), ...scalibrVectors('osv-scalibr/pypi-versions-generated.txt')];
  assert.equal(vectors.length, 12412);
  assert.deepEqual(orderingFailures(vectors, comparePep440), []);
  t.diagnostic(`${vectors.length} vectors, 0 filtered`);
});

test('pep440: normalisation gives packaging\'s canonical spelling', () => {
  const cases: [string, string][] = [
    ['1.0', '1.0'],
    ['v1.0', '1.0'],
    [' 1.0 ', '1.0'],
    ['1.0-ALPHA.1', '1.0a1'],
    ['1.0b', '1.0b0'],
    ['1.0-preview2', '1.0rc2'],
    ['1.0c1', '1.0rc1'],
    ['1.0-1', '1.0.post1'],
    ['1.0-r', '1.0.post0'],
    ['1.0_rev-3', '1.0.post3'],
    ['1.0.DEV', '1.0.dev0'],
    ['01.002', '1.2'],
    ['0!1.0', '1.0'],
    ['2!1.0-a.1-post.2-dev.3+Ubuntu-1.00', '2!1.0a1.post2.dev3+ubuntu.1.0'],
  ];
  for (const [input, canonical] of cases) assert.equal(normalizePep440(input), canonical, input);
  for (const v of ['1.0+', '1.0+_x', 'a1', '1..0', '1.0-dev-1-x', '']) {
    assert.equal(normalizePep440(v), undefined, v);
    assert.equal(isValidPep440(v), false, v);
  }
});

test('pep440: spellings packaging treats as the same version compare equal', () => {
  for (const [a, b] of [['1.0', '1.0.0'], ['1.0a1', '1.0-alpha-1'], ['1.0.post1', '1.0-1'], ['1!1.0', '1!1.0.0'], ['1.0+ABC', '1.0+abc']]) {
    assert.equal(comparePep440(a!, b!), 0, `${a} = ${b}`);
  }
  assert.equal(comparePep440('1.0+1', '1.0+01'), 0);
  assert.equal(comparePep440('1.0+abc', '1.0+1'), -1); // numeric local segments sort after words
});

test('pep440: non-PEP 440 strings sort first, by packaging 21 LegacyVersion', () => {
  assert.equal(comparePep440('french toast', '0.0.dev0'), -1);
  assert.deepEqual(legacyKey('1.0-rc1'), ['00000001', '*c', '00000001', '*final']);
  assert.deepEqual(legacyKey('2004d'), ['00002004', '*d', '*final']);
  assert.deepEqual(legacyKey('constructor'), ['*constructor', '*final']);
  assert.equal(comparePep440('0.9-eevee', '0.9-fearow'), -1);
  assert.equal(comparePep440('1.0.dev-x', '1.0-x'), -1);
  assert.equal(comparePep440('1.0_x', '1.0_x'), 0);
  assert.equal(comparePep440('', 'x'), -1);
});

test('pep440: very long input neither throws nor stalls', () => {
  const long = `${'1.'.repeat(20_000)}x`;
  const started = Date.now();
  assert.equal(comparePep440(long, `${long}y`), -1);
  assert.ok(Date.now() - started < 2000);
});
