import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from './range.js';

test('byte ranges', () => {
  assert.equal(parseRange(undefined, 10), undefined);
  assert.deepEqual(parseRange('bytes=0-4', 10), { start: 0, end: 4 });
  assert.deepEqual(parseRange('bytes=5-', 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=8-100', 10), { start: 8, end: 9 });
  assert.equal(parseRange('bytes=0-1,3-4', 10), undefined);
  assert.throws(() => parseRange('bytes=10-', 10), /not satisfiable/);
  assert.throws(() => parseRange('bytes=5-2', 10), /not satisfiable/);
});
