/**
 * Go module versions, ordered as golang.org/x/mod/semver orders them:
 * `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`, with the shorthands `v1` and
 * `v1.2` standing for `v1.0.0` and `v1.2.0`. Pseudo-versions
 * (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20191109021931-daa7c04131f5`)
 * are pre-releases and so order by their timestamp; `+incompatible` is build
 * metadata and does not count.
 *
 * OSV's Go records write versions without the `v` (`1.2.3`), so a missing `v`
 * is supplied. As in x/mod/semver, invalid versions sort before all valid ones
 * and equal to each other.
 */
import type { VersionComparer } from './index.js';
import { compareDecimalStrings } from './string-order.js';

export interface GoSemver {
  major: string;
  minor: string;
  patch: string;
  /** with its leading `-`, or "" */
  prerelease: string;
  /** with its leading `+`, or "" */
  build: string;
  /** ".0.0" or ".0" when the version was a shorthand */
  short: string;
}

const NUMBER = /^(0|[1-9][0-9]*)(?![0-9])/;
const PRERELEASE = /^-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*/;
const BUILD = /^\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*/;
const BAD_NUMBER = /^0[0-9]+$/;

/** x/mod/semver's `parse`, for a version with its `v`. */
export function parseGoSemver(v: string): GoSemver | undefined {
  if (!v.startsWith('v')) return undefined;
  let rest = v.slice(1);
  const take = (): string | undefined => {
    const m = NUMBER.exec(rest); // no leading zeros: "01" is refused
    if (m) rest = rest.slice(m[0].length);
    return m?.[0];
  };
  const major = take();
  if (major === undefined) return undefined;
  if (rest === '') return { major, minor: '0', patch: '0', prerelease: '', build: '', short: '.0.0' };
  if (!rest.startsWith('.')) return undefined;
  rest = rest.slice(1);
  const minor = take();
  if (minor === undefined) return undefined;
  if (rest === '') return { major, minor, patch: '0', prerelease: '', build: '', short: '.0' };
  if (!rest.startsWith('.')) return undefined;
  rest = rest.slice(1);
  const patch = take();
  if (patch === undefined) return undefined;
  let prerelease = '';
  let build = '';
  if (rest.startsWith('-')) {
    const m = PRERELEASE.exec(rest);
    if (!m || m[0].slice(1).split('.').some((id) => BAD_NUMBER.test(id))) return undefined;
    prerelease = m[0];
    rest = rest.slice(prerelease.length);
  }
  if (rest.startsWith('+')) {
    const m = BUILD.exec(rest);
    if (!m) return undefined;
    build = m[0];
    rest = rest.slice(build.length);
  }
  return rest === '' ? { major, minor, patch, prerelease, build, short: '' } : undefined;
}

/** Adds the `v` that OSV's Go records leave out. */
export function withV(v: string): string {
  return v.startsWith('v') ? v : `v${v}`;
}

/** x/mod/semver's `Canonical` (given the `v` or not): "vX.Y.Z[-pre]", or "" if invalid. */
export function canonicalGoVersion(version: string): string {
  const p = parseGoSemver(withV(version));
  return p ? `v${p.major}.${p.minor}.${p.patch}${p.prerelease}` : '';
}

/** x/mod/semver's `comparePrerelease` on "-a.b.c" strings. */
function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  const a = x.slice(1).split('.');
  const b = y.slice(1).split('.');
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const dx = a[i]!;
    const dy = b[i]!;
    if (dx === dy) continue;
    const nx = /^[0-9]+$/.test(dx);
    const ny = /^[0-9]+$/.test(dy);
    if (nx !== ny) return nx ? -1 : 1;
    if (nx) return compareDecimalStrings(dx, dy);
    return dx < dy ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareParsedGoSemver(a: GoSemver, b: GoSemver): number {
  return (
    compareDecimalStrings(a.major, b.major) ||
    compareDecimalStrings(a.minor, b.minor) ||
    compareDecimalStrings(a.patch, b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

/** Orders two Go module versions (with or without `v`): -1, 0 or 1. */
export function compareGoVersions(a: string, b: string): number {
  const x = parseGoSemver(withV(a));
  const y = parseGoSemver(withV(b));
  if (!x || !y) return x === y ? 0 : x ? 1 : -1;
  return compareParsedGoSemver(x, y);
}

export function isValidGoVersion(v: string): boolean {
  return parseGoSemver(withV(v)) !== undefined;
}

export const goComparer: VersionComparer = { compare: compareGoVersions, valid: isValidGoVersion };
