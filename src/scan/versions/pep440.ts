/**
 * Python package versions (PyPI), ordered as pypa/packaging orders them:
 * PEP 440 parsing with all the spellings it normalises (`1.0-ALPHA.1` is
 * `1.0a1`, `1.0-1` is `1.0.post1`, `v` prefix, `_`/`-`/`.` separators, case),
 * epochs, pre/post/dev releases and local versions.
 *
 * Strings that are not PEP 440 versions are ordered as packaging < 22 ordered
 * its `LegacyVersion` (still how advisories about old releases were written):
 * before every PEP 440 version, among themselves by setuptools' old key.
 */
import type { VersionComparer } from './index.js';
import { compareCodePoints, compareDecimalStrings, stripLeadingZeros } from './string-order.js';

export interface Pep440Version {
  epoch: string;
  release: string[];
  pre?: { letter: 'a' | 'b' | 'rc'; number: string };
  post?: string;
  dev?: string;
  /** segments, lower-cased; all-digit segments compare as numbers */
  local?: string[];
}

// packaging.version.VERSION_PATTERN, anchored as in `Version.__init__`.
const VERSION_RE = new RegExp(
  '^\\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

const num = (digits: string | undefined): string => stripLeadingZeros(digits ?? '0') || '0';

/** Parses a PEP 440 version; undefined when the string is not one. */
export function parsePep440(text: string): Pep440Version | undefined {
  const g = VERSION_RE.exec(text)?.groups;
  if (!g) return undefined;
  const v: Pep440Version = { epoch: num(g.epoch), release: g.release!.split('.').map(num) };
  if (g.pre_l) {
    const l = g.pre_l.toLowerCase();
    v.pre = { letter: l === 'alpha' || l === 'a' ? 'a' : l === 'beta' || l === 'b' ? 'b' : 'rc', number: num(g.pre_n) };
  }
  if (g.post_l || g.post_n1) v.post = num(g.post_n1 ?? g.post_n2);
  if (g.dev_l) v.dev = num(g.dev_n);
  if (g.local) v.local = g.local.toLowerCase().split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? num(p) : p));
  return v;
}

/** The canonical spelling (`str(packaging.version.Version(text))`), or undefined if not PEP 440. */
export function normalizePep440(text: string): string | undefined {
  const v = parsePep440(text);
  if (!v) return undefined;
  let s = (v.epoch !== '0' ? `${v.epoch}!` : '') + v.release.join('.');
  if (v.pre) s += v.pre.letter + v.pre.number;
  if (v.post !== undefined) s += `.post${v.post}`;
  if (v.dev !== undefined) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join('.')}`;
  return s;
}

const isNumeric = (s: string): boolean => /^[0-9]+$/.test(s);

function compareRelease(a: string[], b: string[]): number {
  // packaging drops trailing zeros, then compares the tuples.
  const trim = (r: string[]): string[] => {
    let n = r.length;
    while (n > 0 && r[n - 1] === '0') n--;
    return r.slice(0, n);
  };
  const x = trim(a);
  const y = trim(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const r = compareDecimalStrings(x[i]!, y[i]!);
    if (r !== 0) return r;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** A key part that is -Infinity, +Infinity or a finite value compared by `cmp`. */
function compareOptional<T>(a: T | number, b: T | number, cmp: (x: T, y: T) => number): number {
  if (typeof a === 'number' || typeof b === 'number') {
    const x = typeof a === 'number' ? a : 0;
    const y = typeof b === 'number' ? b : 0;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return cmp(a, b);
}

function preKey(v: Pep440Version): NonNullable<Pep440Version['pre']> | number {
  if (!v.pre && v.post === undefined && v.dev !== undefined) return -Infinity; // 1.0.dev0 < 1.0a0
  return v.pre ?? Infinity;
}

function compareLocal(a: string[] | undefined, b: string[] | undefined): number {
  if (!a || !b) return a === b ? 0 : a ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const nx = isNumeric(x);
    const ny = isNumeric(y);
    // numeric segments sort after alphanumeric ones
    const r = nx && ny ? compareDecimalStrings(x, y) : nx !== ny ? (nx ? 1 : -1) : compareCodePoints(x, y);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareParsedPep440(a: Pep440Version, b: Pep440Version): number {
  return (
    compareDecimalStrings(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    compareOptional(preKey(a), preKey(b), (x, y) => compareCodePoints(x.letter, y.letter) || compareDecimalStrings(x.number, y.number)) ||
    compareOptional(a.post ?? -Infinity, b.post ?? -Infinity, compareDecimalStrings) ||
    compareOptional(a.dev ?? Infinity, b.dev ?? Infinity, compareDecimalStrings) ||
    compareLocal(a.local, b.local)
  );
}

// packaging 21 `LegacyVersion`: setuptools' pre-PEP 440 parse_version key.
const LEGACY_COMPONENT = /(\p{Nd}+|[a-z]+|\.|-)/u;
const LEGACY_REPLACEMENTS: ReadonlyMap<string, string> = new Map([['pre', 'c'], ['preview', 'c'], ['-', 'final-'], ['rc', 'c'], ['dev', '@']]);

/** The part tuple of packaging 21's `_legacy_cmpkey` (its epoch is always -1). */
export function legacyKey(text: string): string[] {
  const parts: string[] = [];
  const push = (part: string): void => {
    if (part.startsWith('*')) {
      // drop "-" before a pre-release tag, and the trailing zeros of each numeric series
      if (compareCodePoints(part, '*final') < 0) while (parts.at(-1) === '*final-') parts.pop();
      while (parts.at(-1) === '00000000') parts.pop();
    }
    parts.push(part);
  };
  for (const piece of text.toLowerCase().split(LEGACY_COMPONENT)) {
    const part = LEGACY_REPLACEMENTS.get(piece) ?? piece;
    if (part === '' || part === '.') continue;
    push(/^[0-9]/.test(part) ? part.padStart(8, '0') : `*${part}`); // zero-padded for numeric comparison
  }
  push('*final'); // alpha/beta/candidate tags sort before the final release
  return parts;
}

function compareLegacy(a: string, b: string): number {
  const x = legacyKey(a);
  const y = legacyKey(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const r = compareCodePoints(x[i]!, y[i]!);
    if (r !== 0) return r;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** Orders two Python versions: -1, 0 or 1. Non-PEP 440 strings sort first, by the legacy key. */
export function comparePep440(a: string, b: string): number {
  if (a === b) return 0;
  const x = parsePep440(a);
  const y = parsePep440(b);
  if (x && y) return compareParsedPep440(x, y);
  if (x || y) return x ? 1 : -1;
  return compareLegacy(a, b);
}

export function isValidPep440(v: string): boolean {
  return VERSION_RE.test(v);
}

export const pep440Comparer: VersionComparer = { compare: comparePep440, valid: isValidPep440 };
