/**
 * npm versions: SemVer 2.0 precedence as implemented by npm's node-semver —
 * strict parsing first (a leading `v` is allowed), then node-semver's loose mode
 * (`=v 1.2.3`, `1.2.3beta`, leading zeros). Build metadata never affects order;
 * numeric identifiers are compared exactly, whatever their size.
 *
 * Strings node-semver rejects even loosely still get an order: their leading
 * numbers become major.minor.patch (missing parts are 0) and the rest a
 * pre-release, so `1.2` sits with `1.2.0` and junk never throws.
 */
import type { VersionComparer } from './index.js';
import { compareDecimalStrings, stripLeadingZeros } from './string-order.js';

export interface NpmSemver {
  /** decimal digit strings, without leading zeros ("0" for zero) */
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
  build: string[];
}

// node-semver's internal/re.js, assembled the same way.
const NUM = '0|[1-9]\\d*';
const NUM_LOOSE = '\\d+';
const NON_NUM = '\\d*[a-zA-Z-][a-zA-Z0-9-]*';
const PRE_ID = `(?:${NON_NUM}|${NUM})`;
const PRE_ID_LOOSE = `(?:${NUM_LOOSE}|${NON_NUM})`;
const BUILD = '(?:\\+([a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*))';
const FULL = new RegExp(`^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?${BUILD}?$`);
const LOOSE = new RegExp(
  `^[v=\\s]*(${NUM_LOOSE})\\.(${NUM_LOOSE})\\.(${NUM_LOOSE})(?:-?(${PRE_ID_LOOSE}(?:\\.${PRE_ID_LOOSE})*))?${BUILD}?$`,
);
const MAX_LENGTH = 256;
const MAX_SAFE_INTEGER = String(Number.MAX_SAFE_INTEGER);
const num = (digits: string): string => stripLeadingZeros(digits) || '0';
const isNumeric = (id: string): boolean => /^[0-9]+$/.test(id);

/** node-semver's `new SemVer(v, { loose })`; undefined where it would throw. */
export function parseNpmSemver(version: string, options: { loose?: boolean } = {}): NpmSemver | undefined {
  if (version.length > MAX_LENGTH) return undefined;
  const m = (options.loose ? LOOSE : FULL).exec(version.trim());
  if (!m) return undefined;
  const main = [m[1]!, m[2]!, m[3]!].map(num);
  if (main.some((n) => compareDecimalStrings(n, MAX_SAFE_INTEGER) > 0)) return undefined;
  return {
    major: main[0]!,
    minor: main[1]!,
    patch: main[2]!,
    prerelease: m[4] ? m[4].split('.').map((id) => (isNumeric(id) ? num(id) : id)) : [],
    build: m[5] ? m[5].split('.') : [],
  };
}

/** The best-effort reading of a string node-semver refuses. */
function parseLeniently(version: string): NpmSemver {
  const s = version.trim().replace(/^[v=\s]*/, '');
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(s);
  let rest = s.slice(m ? m[0].length : 0);
  const plus = rest.indexOf('+');
  const build = plus >= 0 ? rest.slice(plus + 1) : '';
  rest = (plus >= 0 ? rest.slice(0, plus) : rest).replace(/^[-.]/, '');
  return {
    major: num(m?.[1] ?? '0'),
    minor: num(m?.[2] ?? '0'),
    patch: num(m?.[3] ?? '0'),
    prerelease: rest === '' ? [] : rest.split('.').map((id) => (isNumeric(id) ? num(id) : id)),
    build: build === '' ? [] : build.split('.'),
  };
}

/** node-semver's `compareIdentifiers`: numbers before words, words in ASCII order. */
function compareIdentifiers(a: string, b: string): number {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return compareDecimalStrings(a, b);
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareParsedNpmSemver(a: NpmSemver, b: NpmSemver): number {
  const main =
    compareDecimalStrings(a.major, b.major) || compareDecimalStrings(a.minor, b.minor) || compareDecimalStrings(a.patch, b.patch);
  if (main !== 0) return main;
  // A pre-release sorts before its release; otherwise identifier by identifier, longer wins.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const r = compareIdentifiers(a.prerelease[i]!, b.prerelease[i]!);
    if (r !== 0) return r;
  }
  return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length < b.prerelease.length ? -1 : 1;
}

function parseAny(v: string): NpmSemver {
  return parseNpmSemver(v) ?? parseNpmSemver(v, { loose: true }) ?? parseLeniently(v);
}

/** Orders two npm versions: -1, 0 or 1. */
export function compareNpmVersions(a: string, b: string): number {
  if (a === b) return 0;
  return compareParsedNpmSemver(parseAny(a), parseAny(b));
}

/** True when node-semver accepts the version (in loose mode, as npm reads package versions). */
export function isValidNpmVersion(v: string): boolean {
  return parseNpmSemver(v, { loose: true }) !== undefined;
}

export const npmSemverComparer: VersionComparer = { compare: compareNpmVersions, valid: isValidNpmVersion };
