/**
 * Version ordering per OSV ecosystem: which comparer decides whether a package
 * version falls inside an advisory's range.
 *
 * `comparerFor` takes an OSV ecosystem string; only the part before `:` counts
 * (`Debian:12`, `Alpine:v3.19`, `Red Hat:enterprise_linux:9`), matched without
 * regard to case. The comparers it returns never throw: any input, even one
 * that is not a string, gets a place in a stable order.
 */
import { apkComparer } from './apk.js';
import { dpkgComparer } from './dpkg.js';
import { goComparer } from './go.js';
import { mavenComparer } from './maven.js';
import { pep440Comparer } from './pep440.js';
import { rpmComparer } from './rpm.js';
import { npmSemverComparer } from './semver.js';

export interface VersionComparer {
  /** < 0 when a sorts before b, 0 when they are the same version, > 0 otherwise */
  compare(a: string, b: string): number;
  /** whether the ecosystem's own tooling accepts the string as a version */
  valid?(v: string): boolean;
}

const SCHEMES: readonly (readonly [VersionComparer, readonly string[]])[] = [
  [dpkgComparer, ['Debian', 'Ubuntu']],
  [apkComparer, ['Alpine', 'Wolfi', 'Chainguard', 'MinimOS', 'Alpaquita']],
  [rpmComparer, ['Red Hat', 'AlmaLinux', 'Rocky Linux', 'openSUSE', 'SUSE', 'Mageia', 'openEuler', 'Photon OS', 'Azure Linux']],
  [pep440Comparer, ['PyPI']],
  [npmSemverComparer, ['npm']],
  [goComparer, ['Go']],
  [mavenComparer, ['Maven']],
];

/** The ecosystem names comparerFor knows (the part before any `:`), as OSV spells them. */
export const KNOWN_ECOSYSTEMS: readonly string[] = SCHEMES.flatMap(([, names]) => names);

const BY_ECOSYSTEM: ReadonlyMap<string, VersionComparer> = new Map(
  SCHEMES.flatMap(([comparer, names]) => {
    const safe = guarded(comparer);
    return names.map((name) => [name.toLowerCase(), safe] as const);
  }),
);

export function comparerFor(ecosystem: string): VersionComparer | undefined {
  const text = typeof ecosystem === 'string' ? ecosystem : '';
  const name = text.split(':', 1)[0]!.trim().toLowerCase();
  return BY_ECOSYSTEM.get(name);
}

/** Non-strings (a version missing from a record) are read as strings rather than thrown on. */
function guarded(comparer: VersionComparer): VersionComparer {
  const text = (v: unknown): string => {
    if (typeof v === 'string') return v;
    try {
      return v === undefined || v === null ? '' : String(v);
    } catch {
      return ''; // an object without a usable toString
    }
  };
  const valid = comparer.valid;
  return {
    compare: (a, b) => comparer.compare(text(a), text(b)),
    ...(valid ? { valid: (v: string) => typeof v === 'string' && valid(v) } : {}),
  };
}

export { compareApkVersions, isValidApkVersion, matchApkVersion } from './apk.js';
export { compareDpkgVersions, isValidDpkgVersion, parseDpkgVersion } from './dpkg.js';
export { canonicalGoVersion, compareGoVersions, isValidGoVersion } from './go.js';
export { compareMavenVersions, parseMavenVersion } from './maven.js';
export { comparePep440, isValidPep440, normalizePep440, parsePep440 } from './pep440.js';
export { compareRpmVersions, isValidRpmVersion, parseRpmVersion, rpmvercmp } from './rpm.js';
export { compareNpmVersions, isValidNpmVersion, parseNpmSemver } from './semver.js';
