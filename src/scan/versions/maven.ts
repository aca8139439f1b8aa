/**
 * Maven versions, in the order ComparableVersion is specified to give
 * (POM reference, "Version Order Specification") — the order OSV itself uses
 * for the Maven ecosystem (osv.dev, osv-scanner):
 *
 * - the lower-cased version is split into tokens at `.` and `-` and at every
 *   digit/non-digit transition (which counts as a `-`); each token keeps the
 *   separator before it; an empty token is `0`;
 * - `cr` is `rc`; `ga`, `final` and `release` are the empty qualifier; `a`,
 *   `b`, `m` directly followed by a number are `alpha`, `beta`, `milestone`;
 * - from the end, trailing nulls (`0`, empty qualifier) are dropped, and again
 *   before each remaining `-`, from end to start;
 * - tokens are compared pairwise, the shorter version padded with nulls
 *   (`0` after `.`, empty qualifier after `-`): with the same separator numbers
 *   compare by value, qualifiers as alpha < beta < milestone < rc < snapshot
 *   < "" < sp < anything else (alphabetically), a number beats a qualifier
 *   (a padded `0` counts as the empty qualifier); with different separators
 *   `.qualifier` < `-qualifier` < `-number` < `.number`.
 *
 * Maven 3.9+ departs from the specification: it reads a trailing `.X` (and
 * `.X1`) as `-X` (MNG-7644), so `2.0.a` < `2-1` there but not here. Like OSV's
 * implementation and Maven 3.8, the specification is not transitive at its
 * edges (`1beta` < `1` < `1.p` < `1beta`); every comparison is still answered,
 * and antisymmetrically.
 */
import type { VersionComparer } from './index.js';
import { compareCodePoints, compareDecimalStrings, stripLeadingZeros } from './string-order.js';

export interface MavenToken {
  separator: '.' | '-';
  /** digits without leading zeros ("0" for zero), for a numeric token */
  number?: string;
  /** lower-cased, aliases resolved, for a qualifier token */
  qualifier?: string;
}

interface Compared extends MavenToken {
  /** a null standing in for a token the shorter version does not have */
  padding?: boolean;
}

const KNOWN_QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const SHORT_QUALIFIERS: ReadonlyMap<string, string> = new Map([['a', 'alpha'], ['b', 'beta'], ['m', 'milestone']]);
const RELEASE_QUALIFIERS = new Set(['ga', 'final', 'release']);

const isNull = (t: MavenToken): boolean => t.number === '0' || t.qualifier === '';

/** The trimmed token list the specification compares. */
export function parseMavenVersion(version: string): MavenToken[] {
  const tokens: MavenToken[] = [];
  let separator: '.' | '-' = '.';
  for (const segment of version.toLowerCase().split(/([.-])/)) {
    if (segment === '.' || segment === '-') {
      separator = segment;
      continue;
    }
    const pieces = segment.match(/[0-9]+|[^0-9]+/g) ?? [''];
    pieces.forEach((piece, k) => {
      const sep = k === 0 ? separator : '-'; // a digit/letter transition counts as '-'
      if (piece === '') tokens.push({ separator: sep, number: '0' });
      else if (/^[0-9]/.test(piece)) tokens.push({ separator: sep, number: stripLeadingZeros(piece) || '0' });
      else {
        let q = k < pieces.length - 1 ? (SHORT_QUALIFIERS.get(piece) ?? piece) : piece;
        if (q === 'cr') q = 'rc';
        if (RELEASE_QUALIFIERS.has(q)) q = '';
        tokens.push({ separator: sep, qualifier: q });
      }
    });
  }
  // Trim trailing nulls, then those before each remaining '-', from end to start (never the first token).
  let i = tokens.length - 1;
  while (i > 0) {
    if (isNull(tokens[i]!)) {
      tokens.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && tokens[i]!.separator !== '-') i--;
    i--;
  }
  return tokens;
}

function qualifierRank(q: string): number {
  const i = KNOWN_QUALIFIERS.indexOf(q);
  return i < 0 ? KNOWN_QUALIFIERS.length : i;
}

function compareQualifiers(a: string, b: string): number {
  const x = qualifierRank(a);
  const y = qualifierRank(b);
  if (x !== y) return x < y ? -1 : 1;
  return x === KNOWN_QUALIFIERS.length ? compareCodePoints(a, b) : 0;
}

function compareTokens(a: Compared, b: Compared): number {
  if (a.separator === b.separator) {
    if (a.number !== undefined && b.number !== undefined) return compareDecimalStrings(a.number, b.number);
    if (a.qualifier !== undefined && b.qualifier !== undefined) return compareQualifiers(a.qualifier, b.qualifier);
    // a number against a qualifier: the number wins, unless it is padding (then it is the empty qualifier)
    if (a.padding) return compareQualifiers('', b.qualifier!);
    if (b.padding) return compareQualifiers(a.qualifier!, '');
    return a.number !== undefined ? 1 : -1;
  }
  // .qualifier < -qualifier < -number < .number
  const rank = (t: MavenToken): number => (t.number === undefined ? (t.separator === '.' ? 0 : 1) : t.separator === '-' ? 2 : 3);
  return rank(a) < rank(b) ? -1 : 1;
}

function padding(like: MavenToken): Compared {
  return like.separator === '.' ? { separator: '.', number: '0', padding: true } : { separator: '-', qualifier: '', padding: true };
}

export function compareParsedMavenVersions(a: MavenToken[], b: MavenToken[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const r = compareTokens(a[i] ?? padding(b[i]!), b[i] ?? padding(a[i]!));
    if (r !== 0) return r;
  }
  return 0;
}

/** Orders two Maven versions: -1, 0 or 1. Every string is a Maven version. */
export function compareMavenVersions(a: string, b: string): number {
  if (a === b) return 0;
  return compareParsedMavenVersions(parseMavenVersion(a), parseMavenVersion(b));
}

export const mavenComparer: VersionComparer = { compare: compareMavenVersions };
