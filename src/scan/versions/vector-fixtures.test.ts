/**
 * Loading the peers' version-ordering vectors from test/fixtures/versions/, for
 * the *.test.ts files beside each comparer. (Named *.test.ts so it stays out of
 * the build; its own check — every fixture file is attributed — runs only when
 * the test runner runs this file, not in the files that import it.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../test/fixtures/versions/', import.meta.url));

export function readFixture(relativePath: string): string {
  return readFileSync(FIXTURES_DIR + relativePath, 'utf8');
}

export function readJsonFixture<T>(relativePath: string): T {
  return JSON.parse(readFixture(relativePath)) as T;
}

export type Op = '<' | '=' | '>';

export interface OrderingVector {
  a: string;
  op: Op;
  b: string;
  /** "file:line" */
  where: string;
}

/**
 * osv-scalibr's `semantic/testdata/*.txt`: one `a <op> b` per line, split on single
 * spaces; blank lines and lines starting with "# " or "// " are comments (exactly
 * the rules of scalibr's compare_test.go). Any other line that is not a triple is
 * an error, never a silent skip.
 */
export function scalibrVectors(relativePath: string): OrderingVector[] {
  const vectors: OrderingVector[] = [];
  readFixture(relativePath)
    .split('\n')
    .forEach((line, i) => {
      if (line === '' || line.startsWith('# ') || line.startsWith('// ')) return;
      const parts = line.split(' ');
      if (parts.length !== 3 || !['<', '=', '>'].includes(parts[1]!)) {
        throw new Error(`${relativePath}:${i + 1}: not "a <op> b": ${JSON.stringify(line)}`);
      }
      vectors.push({ a: parts[0]!, op: parts[1] as Op, b: parts[2]!, where: `${relativePath}:${i + 1}` });
    });
  return vectors;
}

export const SIGN: Readonly<Record<Op, number>> = { '<': -1, '=': 0, '>': 1 };

/**
 * Checks each vector in both directions (compare(a, b) has the sign of op, and
 * compare(b, a) the opposite), as scalibr's own test does. Returns the failures.
 */
export function orderingFailures(vectors: OrderingVector[], compare: (a: string, b: string) => number): string[] {
  const failures: string[] = [];
  for (const v of vectors) {
    const forward = Math.sign(compare(v.a, v.b));
    const backward = Math.sign(compare(v.b, v.a));
    if (forward !== SIGN[v.op] || backward !== -SIGN[v.op]) {
      failures.push(`${v.where}: ${v.a} ${v.op} ${v.b}, but got ${forward} / ${backward}`);
    }
  }
  return failures;
}

/**
 * Every ordered pair of an ascending list: compare(list[i], list[j]) must be
 * sign(i - j), or 0 when `equal(i, j)`; pairs for which `skip(i, j)` holds are
 * left out (each caller documents and counts its own).
 */
export function ascendingListFailures(
  list: readonly string[],
  compare: (a: string, b: string) => number,
  options: { equal?: (i: number, j: number) => boolean; skip?: (i: number, j: number) => boolean } = {},
): string[] {
  const { equal = (i, j) => i === j, skip = () => false } = options;
  const failures: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < list.length; j++) {
      if (skip(i, j)) continue;
      const want = equal(i, j) ? 0 : Math.sign(i - j);
      const got = Math.sign(compare(list[i]!, list[j]!));
      if (got !== want) failures.push(`${list[i]} vs ${list[j]}: want ${want}, got ${got}`);
    }
  }
  return failures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  test('every version fixture file is listed in ATTRIBUTION.md', () => {
    const attribution = readFixture('ATTRIBUTION.md');
    const files = readdirSync(FIXTURES_DIR, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== 'ATTRIBUTION.md')
      .map((e) => `${e.parentPath}/${e.name}`.slice(FIXTURES_DIR.length).replace(/^\/+/, ''));
    assert.ok(files.length >= 17, `found only ${files.length} fixture files`);
    for (const file of files) assert.ok(attribution.includes(`\`${file}\``), `${file} is not attributed`);
  });
}
