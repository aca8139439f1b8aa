/**
 * Merging the records that matched one package into one Finding per
 * vulnerability. Records are the same vulnerability when their id sets
 * ({id} ∪ aliases ∪ upstream) overlap, transitively: DEBIAN-CVE-2023-1 (upstream
 * CVE-2023-1) and PYSEC-…/GHSA-… (aliases CVE-…) records collapse together.
 *
 * The Finding's `id` is chosen deterministically: a CVE id if there is one,
 * else a GHSA id, else any other; ties by plain string order. Every other id
 * of the group goes to `aliases` (same order). The group's severity is the
 * highest of its records; its fixed version the highest of the records' own
 * fixed versions (upgrading to it clears every merged advisory), absent when no
 * record names one.
 */
import type { VersionComparer } from '../versions/index.js';
import type { OsvRecord } from '../vulndb/osv-record.js';
import { higherRating, type Rating } from './severity.js';

export interface RecordHit {
  record: OsvRecord;
  /** the package name as the advisory wrote it */
  advisoryPackage: string;
  fixed?: string;
  rating: Rating;
}

export interface MergedVulnerability {
  id: string;
  aliases: string[];
  advisoryPackage: string;
  fixed?: string;
  rating: Rating;
  summary?: string;
}

export function idPreference(a: string, b: string): number {
  const rank = (id: string): number => (id.startsWith('CVE-') ? 0 : id.startsWith('GHSA-') ? 1 : 2);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

function idsOf(record: OsvRecord): string[] {
  return [record.id, ...(record.aliases ?? []), ...(record.upstream ?? [])];
}

export function mergeHits(hits: RecordHit[], order: VersionComparer | undefined): MergedVulnerability[] {
  const groups: { ids: Set<string>; hits: RecordHit[] }[] = [];
  for (const hit of hits) {
    const ids = new Set(idsOf(hit.record));
    const overlapping = groups.filter((g) => [...ids].some((id) => g.ids.has(id)));
    const merged = { ids, hits: [hit] };
    for (const g of overlapping) {
      for (const id of g.ids) merged.ids.add(id);
      merged.hits.push(...g.hits);
      groups.splice(groups.indexOf(g), 1);
    }
    groups.push(merged);
  }
  return groups.map((g) => toMerged([...g.ids].sort(idPreference), g.hits, order));
}

function toMerged(ids: string[], hits: RecordHit[], order: VersionComparer | undefined): MergedVulnerability {
  const byPreference = [...hits].sort((a, b) => idPreference(a.record.id, b.record.id));
  let rating = byPreference[0]!.rating;
  for (const h of byPreference.slice(1)) rating = higherRating(rating, h.rating);
  return {
    id: ids[0]!,
    aliases: ids.slice(1),
    advisoryPackage: byPreference[0]!.advisoryPackage,
    fixed: highest(byPreference.map((h) => h.fixed).filter((f): f is string => f !== undefined), order),
    rating,
    summary: byPreference.find((h) => h.record.summary)?.record.summary,
  };
}

function highest(versions: string[], order: VersionComparer | undefined): string | undefined {
  let best = versions[0];
  for (const v of versions.slice(1)) {
    try {
      if (order && order.compare(v, best!) > 0) best = v;
    } catch {
      // unparsable: keep the current one
    }
  }
  return best;
}
