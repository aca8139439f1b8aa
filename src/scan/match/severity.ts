/**
 * Severity of an OSV record for one package.
 *
 * Order of evidence, first that yields a rating wins:
 * 1. `CVSS_V3` / `CVSS_V4` vectors (top-level `severity` and the package's
 *    `affected[].severity`), scored with ae-cvss-calculator: the CVSS base score
 *    (v4: base metrics only, so a threat metric never lowers it). Several
 *    vectors → the highest. Buckets: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, else
 *    low (a 0.0 "none" score counts as low: the advisory was rated, not unknown);
 * 2. GHSA's `database_specific.severity` (CRITICAL, HIGH, MODERATE, LOW);
 * 3. a `CVSS_V2` vector (v2 buckets: ≥ 7 high, ≥ 4 medium, else low) or an
 *    `Ubuntu` priority (negligible → low);
 * 4. otherwise `unknown`.
 */
import cvssCalculator from 'ae-cvss-calculator';
import type { Cvss, Severity } from '../types.js';
import type { OsvAffected, OsvRecord, OsvSeverity } from '../vulndb/osv-record.js';

export interface Rating {
  severity: Severity;
  cvss?: Cvss;
}

const RANK: Record<Severity, number> = { unknown: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** The higher of two ratings; on equal severity, the one with the higher CVSS score. */
export function higherRating(a: Rating, b: Rating): Rating {
  if (RANK[a.severity] !== RANK[b.severity]) return RANK[a.severity] > RANK[b.severity] ? a : b;
  return (b.cvss?.score ?? -1) > (a.cvss?.score ?? -1) ? b : a;
}

export function rateRecord(record: OsvRecord, entries: OsvAffected[]): Rating {
  const declared: OsvSeverity[] = [...(record.severity ?? []), ...entries.flatMap((e) => e.severity ?? [])];
  let best: Rating | undefined;
  for (const s of declared) {
    if (s.type !== 'CVSS_V3' && s.type !== 'CVSS_V4') continue;
    const cvss = scoreVector(s.score);
    if (cvss) best = best ? higherRating(best, { severity: bucket(cvss.score), cvss }) : { severity: bucket(cvss.score), cvss };
  }
  if (best) return best;
  const label = ghsaSeverity(record.database_specific?.severity);
  if (label) return { severity: label };
  let fallback: Rating | undefined;
  for (const s of declared) {
    let rating: Rating | undefined;
    if (s.type === 'CVSS_V2') {
      const cvss = scoreVector(s.score);
      if (cvss) rating = { severity: cvss.score >= 7 ? 'high' : cvss.score >= 4 ? 'medium' : 'low', cvss };
    } else if (s.type === 'Ubuntu') {
      const p = s.score.toLowerCase();
      if (p === 'critical' || p === 'high' || p === 'medium' || p === 'low') rating = { severity: p };
      else if (p === 'negligible') rating = { severity: 'low' };
    }
    if (rating) fallback = fallback ? higherRating(fallback, rating) : rating;
  }
  return fallback ?? { severity: 'unknown' };
}

function bucket(score: number): Severity {
  return score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
}

function ghsaSeverity(value: unknown): Severity | undefined {
  switch (typeof value === 'string' ? value.toUpperCase() : '') {
    case 'CRITICAL':
      return 'critical';
    case 'HIGH':
      return 'high';
    case 'MODERATE':
    case 'MEDIUM':
      return 'medium';
    case 'LOW':
      return 'low';
    default:
      return undefined;
  }
}

const scored = new Map<string, Cvss | null>();

/** Scores a CVSS vector string (v2, v3.0, v3.1, v4.0); undefined when it is not a complete base vector. */
export function scoreVector(vector: string): Cvss | undefined {
  let result = scored.get(vector);
  if (result === undefined) {
    result = computeScore(vector);
    if (scored.size > 10_000) scored.clear();
    scored.set(vector, result);
  }
  return result ?? undefined;
}

function computeScore(vector: string): Cvss | null {
  try {
    if (vector.startsWith('CVSS:4.0/')) {
      const v = new cvssCalculator.Cvss4P0(vector);
      const score = v.calculateScores().baseMetricsOnly;
      return v.isBaseFullyDefined() && score !== undefined ? { version: '4.0', vector, score } : null;
    }
    if (vector.startsWith('CVSS:3.1/') || vector.startsWith('CVSS:3.0/')) {
      const v = vector.startsWith('CVSS:3.1/') ? new cvssCalculator.Cvss3P1(vector) : new cvssCalculator.Cvss3P0(vector);
      const score = v.calculateScores().base;
      return v.isBaseFullyDefined() && score !== undefined ? { version: vector.slice(5, 8), vector, score } : null;
    }
    const v = new cvssCalculator.Cvss2(vector);
    const score = v.calculateScores().base;
    return v.isBaseFullyDefined() && score !== undefined ? { version: '2.0', vector, score } : null;
  } catch {
    return null;
  }
}
