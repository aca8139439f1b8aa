/**
 * Differential test against the real thing: a few thousand generated version
 * pairs ordered by `dpkg --compare-versions` and by compareDpkgVersions. The
 * pairs are fixed by a seed, so a failure reproduces. Skipped where dpkg is not
 * installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compareDpkgVersions, parseDpkgVersion } from './dpkg.js';

const PAIRS = 4000;
const SEED = 0x5eed_d9c6;
const WORKERS = 4;

const hasDpkg =
  spawnSync('dpkg', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('bash', ['-c', 'true']).status === 0;

/** mulberry32: a small seeded PRNG, so the pairs are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const DIGITS = ['0', '1', '2', '9', '10', '00', '01', '007', '99', '123456789012345678901', '123456789012345678902'];
const LETTERS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'dfsg', 'git', 'ubuntu', 'deb'];
const PUNCT = ['.', '.', '.', '+', '+', '~', '~', '~~', '-', ':'];
const REVISION_PUNCT = ['.', '+', '~'];
// characters dpkg only warns about, and ones that make it refuse the string
const ODD = ['_', 'é', '!', ' ', '', '', '', '', '', '', '', '', '', '', '', ''];

function piece(punct: readonly string[]): string {
  const r = rnd();
  return r < 0.45 ? pick(DIGITS) : r < 0.75 ? pick(LETTERS) : r < 0.97 ? pick(punct) : pick(ODD);
}

function version(): string {
  let v = rnd() < 0.25 ? `${pick(['0', '1', '2', '10', '00', '01', '+1', 'x', ''])}:` : '';
  v += rnd() < 0.92 ? pick(DIGITS) : pick([...LETTERS, ...ODD]);
  for (let n = Math.floor(rnd() * 6); n > 0; n--) v += piece(PUNCT);
  if (rnd() < 0.6) {
    v += '-';
    for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) v += piece(REVISION_PUNCT);
  }
  return v;
}

/** A second version close to the first, so that ties and near-ties are common. */
function neighbour(v: string): string {
  const r = rnd();
  if (r < 0.3) return v + piece(PUNCT);
  if (r < 0.5) return v.replace(/[0-9]+/, (d) => pick([d, `0${d}`, String(Number(d.slice(0, 6)) + 1)]));
  if (r < 0.7) return v.replace(/[.~+]/, () => pick(PUNCT));
  return v.slice(0, Math.max(1, Math.floor(rnd() * v.length)));
}

function pairs(): [string, string][] {
  const out: [string, string][] = [];
  while (out.length < PAIRS) {
    const a = version();
    const b = rnd() < 0.5 ? neighbour(a) : version();
    // The dpkg command line reads "-…" as an option and '' as "no version": keep to what it compares.
    if (/^[\s]*-/.test(a) || /^[\s]*-/.test(b) || a === '' || b === '') continue;
    out.push(rnd() < 0.5 ? [a, b] : [b, a]);
  }
  return out;
}

// One dpkg run per pair (two for "not less"): `<`, `=`, `>`, or E when dpkg refuses either version.
const ORACLE = `
while IFS=$'\\t' read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo '<'
  elif [ $? -ne 1 ]; then echo E
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo '='
  else echo '>'
  fi
done < "$1"
`;

async function oracle(all: [string, string][]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dpkg-oracle-'));
  try {
    const size = Math.ceil(all.length / WORKERS);
    const chunks = Array.from({ length: WORKERS }, (_, i) => all.slice(i * size, (i + 1) * size));
    const outputs = await Promise.all(
      chunks.map(async (chunk, i) => {
        const file = join(dir, `pairs-${i}.tsv`);
        writeFileSync(file, chunk.map(([a, b]) => `${a}\t${b}\n`).join(''));
        const { stdout } = await promisify(execFile)('bash', ['-c', ORACLE, 'oracle', file], { maxBuffer: 1 << 24 });
        return stdout.split('\n').filter((l) => l !== '');
      }),
    );
    return outputs.flat();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('dpkg: agrees with `dpkg --compare-versions` on 4,000 generated pairs', { skip: !hasDpkg && 'dpkg (or bash) is not installed' }, async (t) => {
  const all = pairs();
  const verdicts = await oracle(all);
  assert.equal(verdicts.length, all.length);
  const refused = (v: string): boolean => parseDpkgVersion(v).problem?.severity === 'error';
  const failures: string[] = [];
  const tally: Record<string, number> = {};
  all.forEach(([a, b], i) => {
    const want = verdicts[i]!;
    tally[want] = (tally[want] ?? 0) + 1;
    const r = compareDpkgVersions(a, b);
    const got = refused(a) || refused(b) ? 'E' : r < 0 ? '<' : r > 0 ? '>' : '=';
    if (got !== want) failures.push(`${JSON.stringify(a)} ${JSON.stringify(b)}: dpkg ${want}, ours ${got}`);
  });
  assert.deepEqual(failures, []);
  // the generator has to exercise every outcome for the comparison to mean something
  for (const outcome of ['<', '=', '>', 'E']) assert.ok((tally[outcome] ?? 0) >= 50, `only ${tally[outcome] ?? 0} × ${outcome}`);
  t.diagnostic(`dpkg verdicts: ${JSON.stringify(tally)}`);
});
