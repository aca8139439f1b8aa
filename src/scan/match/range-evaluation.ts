/**
 * Whether a version is inside an OSV `affected[]` entry — the `IsVulnerable`
 * algorithm of the OSV spec ("Evaluation"): events sorted by version
 * (`introduced: "0"` first, `limit: "*"` last), walked in order; a version is
 * affected by a range when it is before one of the range's limits (if any) and
 * the walk leaves it vulnerable; or when it is listed in `versions`.
 * `GIT` ranges are ignored; `SEMVER` ranges use SemVer 2.0 order, `ECOSYSTEM`
 * ranges the ecosystem's own order. `database_specific`/`ecosystem_specific`
 * play no part.
 */
import type { OsvAffected, OsvEvent, OsvRange } from '../vulndb/osv-record.js';
import type { VersionComparer } from '../versions/index.js';
import { semverComparer } from './semver-order.js';

export interface AffectedVerdict {
  affected: boolean;
  /** the smallest `fixed` above the version among the ranges that matched */
  fixed?: string;
  /** ranges that could not be evaluated (no version order, unparsable versions) */
  problems: string[];
}

type Kind = keyof OsvEvent;
interface Event {
  kind: Kind;
  version: string;
}

export function evaluateAffected(entry: OsvAffected, version: string, ecosystemOrder: VersionComparer | undefined): AffectedVerdict {
  const verdict: AffectedVerdict = { affected: false, problems: [] };
  const fixes: { version: string; order: VersionComparer }[] = [];
  for (const range of entry.ranges ?? []) {
    if (range.type === 'GIT') continue;
    const order = range.type === 'SEMVER' ? semverComparer : ecosystemOrder;
    if (order === undefined) {
      verdict.problems.push(`no version order for ${entry.package?.ecosystem ?? 'this ecosystem'}: ECOSYSTEM range not evaluated`);
      continue;
    }
    try {
      const result = evaluateRange(range, version, order);
      if (result.vulnerable) {
        verdict.affected = true;
        if (result.fixed !== undefined) fixes.push({ version: result.fixed, order });
      }
    } catch (err) {
      verdict.problems.push(`${range.type} range not evaluated: ${(err as Error).message}`);
    }
  }
  if (!verdict.affected && entry.versions?.some((listed) => sameVersion(listed, version, ecosystemOrder))) verdict.affected = true;
  if (verdict.affected && fixes.length > 0) verdict.fixed = smallest(fixes);
  return verdict;
}

export function evaluateRange(range: OsvRange, version: string, order: VersionComparer): { vulnerable: boolean; fixed?: string } {
  const events = range.events.map(toEvent);
  const limits = events.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((l) => l.version.includes('*') || order.compare(version, l.version) < 0)) {
    return { vulnerable: false };
  }
  const sorted = events.sort((a, b) => compareEvents(a, b, order));
  let vulnerable = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.version === '0' || order.compare(version, e.version) >= 0) vulnerable = true;
    } else if (e.kind === 'fixed') {
      if (order.compare(version, e.version) >= 0) vulnerable = false;
    } else if (e.kind === 'last_affected') {
      if (order.compare(version, e.version) > 0) vulnerable = false;
    }
  }
  if (!vulnerable) return { vulnerable };
  const fix = sorted.find((e) => e.kind === 'fixed' && order.compare(e.version, version) > 0);
  return { vulnerable, fixed: fix?.version };
}

function toEvent(raw: OsvEvent): Event {
  for (const kind of ['introduced', 'fixed', 'last_affected', 'limit'] as const) {
    const v = raw[kind];
    if (v !== undefined) return { kind, version: v };
  }
  throw new Error('empty event');
}

/** `introduced: "0"` sorts before everything, a `*` limit after everything. */
function compareEvents(a: Event, b: Event, order: VersionComparer): number {
  const rank = (e: Event): number => (e.kind === 'introduced' && e.version === '0' ? -1 : e.kind === 'limit' && e.version.includes('*') ? 1 : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== 0 || rb !== 0) return ra - rb;
  return order.compare(a.version, b.version);
}

function sameVersion(listed: string, version: string, order: VersionComparer | undefined): boolean {
  if (listed === version) return true;
  if (order === undefined) return false;
  try {
    return order.compare(listed, version) === 0;
  } catch {
    return false;
  }
}

function smallest(fixes: { version: string; order: VersionComparer }[]): string {
  let best = fixes[0]!;
  for (const f of fixes.slice(1)) {
    try {
      if (f.order.compare(f.version, best.version) < 0) best = f;
    } catch {
      // versions of differently ordered ranges: keep the first
    }
  }
  return best.version;
}
