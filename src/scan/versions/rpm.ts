/**
 * RPM package versions (Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE, …):
 * `[epoch:]version[-release]`, each part compared with rpm's `rpmvercmp`
 * (rpmio/rpmvercmp.c): alphanumeric segments, separators ignored, digits beat
 * letters, `~` sorts before everything (even the end), `^` after the end but
 * before anything else.
 *
 * The split follows rpm's `parseEVR`: an epoch is leading digits followed by
 * `:` (an empty one is 0); the release is what follows the last `-`.
 * Where rpm's dependency matching would skip the release because one side has
 * none, a total order is needed here instead: a missing release sorts before
 * any release, even an empty one (`1` < `1-` < `1-0`), as OSV tooling does.
 */
import type { VersionComparer } from './index.js';
import { compareDecimalStrings, isAsciiAlpha, isAsciiDigit } from './string-order.js';

export interface RpmVersion {
  /** digits only; "0" when absent */
  epoch: string;
  version: string;
  /** undefined when the string has no `-` */
  release?: string;
}

const TILDE = 126;
const CARET = 94;
const isAlnum = (c: number): boolean => isAsciiDigit(c) || isAsciiAlpha(c);

/** rpm's `rpmvercmp`: -1, 0 or 1. */
export function rpmvercmp(left: string, right: string): number {
  // rpm compares C strings: nothing after a NUL exists for it
  const a = left.split('\0', 1)[0]!;
  const b = right.split('\0', 1)[0]!;
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++;
    while (j < b.length && !isAlnum(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;

    // `~` sorts before everything else, the end of the string included.
    if (at(a, i) === TILDE || at(b, j) === TILDE) {
      if (at(a, i) !== TILDE) return 1;
      if (at(b, j) !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // `^` sorts after the end of the string but before anything else.
    if (at(a, i) === CARET || at(b, j) === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (at(a, i) !== CARET) return 1;
      if (at(b, j) !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;

    const numeric = isAsciiDigit(at(a, i));
    const inSegment = numeric ? isAsciiDigit : isAsciiAlpha;
    const startA = i;
    const startB = j;
    while (i < a.length && inSegment(at(a, i))) i++;
    while (j < b.length && inSegment(at(b, j))) j++;
    const segA = a.slice(startA, i);
    const segB = b.slice(startB, j);

    // Segments of different kinds: the numeric one is newer.
    if (segB === '') return numeric ? 1 : -1;
    const r = numeric ? compareDecimalStrings(segA, segB) : segA < segB ? -1 : segA > segB ? 1 : 0;
    if (r !== 0) return r;
  }
  // Everything compared equal: whichever still has characters left is newer.
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** rpm's `parseEVR`. */
export function parseRpmVersion(evr: string): RpmVersion {
  let s = 0;
  while (s < evr.length && isAsciiDigit(evr.charCodeAt(s))) s++;
  let epoch = '0';
  let rest = evr;
  if (evr[s] === ':') {
    epoch = evr.slice(0, s) || '0';
    rest = evr.slice(s + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, version: rest };
  return { epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen + 1) };
}

export function compareParsedRpmVersions(a: RpmVersion, b: RpmVersion): number {
  const r = rpmvercmp(a.epoch, b.epoch) || rpmvercmp(a.version, b.version);
  if (r !== 0) return r;
  if (a.release === undefined || b.release === undefined) {
    return a.release === b.release ? 0 : a.release === undefined ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

/** Orders two `[epoch:]version[-release]` strings: -1, 0 or 1. */
export function compareRpmVersions(a: string, b: string): number {
  if (a === b) return 0;
  return compareParsedRpmVersions(parseRpmVersion(a), parseRpmVersion(b));
}

/** Characters rpm-build accepts in a version or release (rpmCharCheck), one optional epoch and `-`. */
const RPM_EVR = /^(?:[0-9]+:)?[A-Za-z0-9._+~^]+(?:-[A-Za-z0-9._+~^]+)?$/;

export function isValidRpmVersion(v: string): boolean {
  return RPM_EVR.test(v);
}

export const rpmComparer: VersionComparer = { compare: compareRpmVersions, valid: isValidRpmVersion };
