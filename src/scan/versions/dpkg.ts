/**
 * Debian / Ubuntu package versions, ordered exactly as dpkg orders them
 * (lib/dpkg/version.c `dpkg_version_compare` + lib/dpkg/parsehelp.c `parseversion`).
 *
 *   [epoch:]upstream[-revision]
 *
 * The epoch is compared numerically, then upstream and revision with dpkg's
 * `verrevcmp`: alternating non-digit runs (letters < everything else except `~`,
 * which sorts before even the end of the string) and digit runs (numeric).
 *
 * dpkg works on bytes: the comparison runs on the UTF-8 encoding, with `char`
 * signed as on amd64/i386 (a byte >= 0x80 orders between letters and ASCII
 * punctuation). Strings dpkg refuses (empty, embedded blanks, a malformed epoch,
 * an empty revision) still get a deterministic best-effort split, and `problem`
 * says what dpkg would have said.
 */
import type { VersionComparer } from './index.js';
import { isAsciiAlpha, isAsciiDigit, sign } from './string-order.js';

export interface DpkgVersion {
  epoch: bigint;
  upstream: string;
  revision: string;
  /** What `dpkg` reports about this string: an error (it refuses it) or a warning (it accepts it). */
  problem?: { severity: 'error' | 'warning'; message: string };
}

const INT_MAX = 2147483647n;
const isBlank = (c: string): boolean => c === ' ' || c === '\t';

export function parseDpkgVersion(raw: string): DpkgVersion {
  // dpkg receives C strings: nothing after a NUL exists for it.
  const nul = raw.indexOf('\0');
  const input = nul >= 0 ? raw.slice(0, nul) : raw;
  let start = 0;
  let end = input.length;
  while (start < end && isBlank(input[start]!)) start++;
  while (end > start && isBlank(input[end - 1]!)) end--;
  const text = input.slice(start, end);
  if (text === '') return { epoch: 0n, upstream: '', revision: '', problem: error('version string is empty') };

  let problem: DpkgVersion['problem'];
  if (/[ \t]/.test(text)) problem = error('version string has embedded spaces');

  let epoch = 0n;
  let rest = text;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    // strtol(3): optional white space, an optional sign, then decimal digits.
    const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(text);
    if (!m) problem ??= error('epoch in version is empty');
    else if (m[0].length !== colon) problem ??= error('epoch in version is not number');
    else {
      const value = BigInt(m[2]!) * (m[1] === '-' ? -1n : 1n);
      if (value < 0n) problem ??= error('epoch in version is negative');
      else {
        if (value > INT_MAX) problem ??= error('epoch in version is too big');
        epoch = value;
        rest = text.slice(colon + 1);
        if (rest === '') problem ??= error('nothing after colon in version number');
      }
    }
  }

  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') problem ??= error('revision number is empty');
  }
  if (upstream === '') problem ??= error('version number is empty');
  else if (!isAsciiDigit(upstream.charCodeAt(0))) problem ??= warning('version number does not start with digit');
  if (!problem && /[^0-9A-Za-z.+~:-]/.test(upstream.slice(1))) problem = warning('invalid character in version number');
  if (!problem && /[^0-9A-Za-z.+~]/.test(revision)) problem = warning('invalid character in revision number');

  return problem ? { epoch, upstream, revision, problem } : { epoch, upstream, revision };
}

function error(message: string): DpkgVersion['problem'] {
  return { severity: 'error', message };
}
function warning(message: string): DpkgVersion['problem'] {
  return { severity: 'warning', message };
}

const utf8 = new TextEncoder();

/** dpkg's `order()`: digits and end 0, letters their code, `~` -1, other bytes after letters. */
function order(c: number): number {
  if (c === 0 || isAsciiDigit(c)) return 0;
  if (isAsciiAlpha(c)) return c;
  if (c === 126) return -1;
  // `char` is signed on amd64: bytes >= 0x80 are negative, and `c + 256` maps them back to 128..255.
  return c >= 128 ? c : c + 256;
}

/** dpkg's `verrevcmp` on the UTF-8 bytes of two upstream versions or two revisions. */
export function verrevcmp(left: string, right: string): number {
  if (left === right) return 0;
  const a = utf8.encode(left);
  const b = utf8.encode(right);
  const at = (s: Uint8Array, i: number): number => (i < s.length ? s[i]! : 0);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isAsciiDigit(a[i]!)) || (j < b.length && !isAsciiDigit(b[j]!))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (at(a, i) === 48) i++;
    while (at(b, j) === 48) j++;
    while (isAsciiDigit(at(a, i)) && isAsciiDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isAsciiDigit(at(a, i))) return 1;
    if (isAsciiDigit(at(b, j))) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

export function compareParsedDpkgVersions(a: DpkgVersion, b: DpkgVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

/** Orders two Debian version strings as `dpkg --compare-versions` does: -1, 0 or 1. */
export function compareDpkgVersions(a: string, b: string): number {
  if (a === b) return 0;
  return compareParsedDpkgVersions(parseDpkgVersion(a), parseDpkgVersion(b));
}

/** True when dpkg accepts the string without error or warning (Debian policy syntax). */
export function isValidDpkgVersion(v: string): boolean {
  return parseDpkgVersion(v).problem === undefined;
}

export const dpkgComparer: VersionComparer = { compare: compareDpkgVersions, valid: isValidDpkgVersion };
