/**
 * `matchPackages`: the findings for a list of installed packages.
 *
 * Debian and Alpine advisories name the source/origin package, so those
 * packages are looked up by `source ?? name`; the version compared is the
 * source version for Debian (`sourceVersion ?? version`, binNMUs differ) and
 * the package's own version for Alpine (subpackages share the origin's
 * version). The Finding reports the installed package and version.
 * Withdrawn records are ignored. One Finding per vulnerability per package
 * entry (see merge-findings.ts for merging and id choice); `advisoryPackage`
 * is set when the advisory's name differs from the installed package's.
 * Findings are sorted by severity (highest first), then id, package and path.
 */
import type { Finding, Package } from '../types.js';
import { comparerFor as defaultComparerFor, type VersionComparer } from '../versions/index.js';
import { ecosystemsApplyingTo, normalisePackageName } from '../vulndb/package-names.js';
import type { VulnLookup } from '../vulndb/vulndb.js';
import { mergeHits, idPreference, type MergedVulnerability, type RecordHit } from './merge-findings.js';
import { evaluateAffected } from './range-evaluation.js';
import { rateRecord, severityRank } from './severity.js';

export interface MatchOptions {
  /** version orders by ecosystem (default: ../versions) */
  comparerFor?: (ecosystem: string) => VersionComparer | undefined;
  /** told about ranges that could not be evaluated (once per record and package) */
  onProblem?: (message: string) => void;
}

/** The advisory's coordinates of an installed package: (name, version) to look up and compare. */
export function advisoryCoordinates(pkg: Package): { name: string; version: string } {
  if (pkg.kind === 'deb') return { name: pkg.source ?? pkg.name, version: pkg.sourceVersion ?? pkg.version };
  if (pkg.kind === 'apk') return { name: pkg.source ?? pkg.name, version: pkg.version };
  return { name: pkg.name, version: pkg.version };
}

export function matchPackages(db: VulnLookup, packages: Package[], opts: MatchOptions = {}): Finding[] {
  const comparerFor = opts.comparerFor ?? defaultComparerFor;
  const orders = new Map<string, VersionComparer | undefined>();
  const orderFor = (ecosystem: string): VersionComparer | undefined => {
    if (!orders.has(ecosystem)) orders.set(ecosystem, comparerFor(ecosystem));
    return orders.get(ecosystem);
  };
  const memo = new Map<string, MergedVulnerability[]>();
  const findings: Finding[] = [];
  for (const pkg of packages) {
    const { name, version } = advisoryCoordinates(pkg);
    const key = `${pkg.ecosystem}\u0000${name}\u0000${version}`;
    let vulns = memo.get(key);
    if (vulns === undefined) {
      vulns = vulnerabilitiesOf(db, pkg.ecosystem, name, version, orderFor(pkg.ecosystem), opts.onProblem);
      memo.set(key, vulns);
    }
    for (const v of vulns) {
      const finding: Finding = {
        id: v.id,
        aliases: v.aliases,
        package: pkg.name,
        version: pkg.version,
        ecosystem: pkg.ecosystem,
        severity: v.rating.severity,
      };
      if (v.advisoryPackage !== pkg.name) finding.advisoryPackage = v.advisoryPackage;
      if (v.fixed !== undefined) finding.fixedVersion = v.fixed;
      if (v.rating.cvss) finding.cvss = v.rating.cvss;
      if (v.summary !== undefined) finding.summary = v.summary;
      if (pkg.layer !== undefined) finding.layer = pkg.layer;
      if (pkg.path !== undefined) finding.path = pkg.path;
      findings.push(finding);
    }
  }
  return findings.sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || idPreference(a.id, b.id) || compare(a.package, b.package) || compare(a.path ?? '', b.path ?? ''),
  );
}

function vulnerabilitiesOf(
  db: VulnLookup,
  ecosystem: string,
  name: string,
  version: string,
  order: VersionComparer | undefined,
  onProblem: ((message: string) => void) | undefined,
): MergedVulnerability[] {
  const applying = ecosystemsApplyingTo(ecosystem);
  const hits: RecordHit[] = [];
  for (const record of db.lookup(ecosystem, name)) {
    if (record.withdrawn !== undefined) continue;
    const entries = (record.affected ?? []).filter(
      (a) => a.package !== undefined && applying.includes(a.package.ecosystem) && normalisePackageName(a.package.ecosystem, a.package.name) === normalisePackageName(ecosystem, name),
    );
    let advisoryPackage: string | undefined;
    let fixed: string | undefined;
    const problems = new Set<string>();
    for (const entry of entries) {
      const verdict = evaluateAffected(entry, version, order);
      for (const p of verdict.problems) problems.add(p);
      if (!verdict.affected) continue;
      if (fixed === undefined || (verdict.fixed !== undefined && lower(verdict.fixed, fixed, order))) fixed = verdict.fixed ?? fixed;
      advisoryPackage ??= entry.package!.name;
    }
    for (const p of problems) onProblem?.(`${record.id} for ${ecosystem}/${name}@${version}: ${p}`);
    if (advisoryPackage === undefined) continue;
    hits.push({ record, advisoryPackage, fixed, rating: rateRecord(record, entries) });
  }
  return mergeHits(hits, order);
}

function lower(a: string, b: string, order: VersionComparer | undefined): boolean {
  try {
    return order !== undefined && order.compare(a, b) < 0;
  } catch {
    return false;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
