/**
 * Severity ranking shared by the report formats and `scan --fail-on`:
 * a finding without a severity ranks as the configured `policy.unknownSeverity`
 * (default medium), the same rule the gate applies.
 */
import type { Finding, Report, Severity } from '../types.js';

export type RankedSeverity = 'critical' | 'high' | 'medium' | 'low';
/** `--fail-on` values: a severity, `unknown` (any finding at all) or `none` (never fail) */
export type FailOnThreshold = RankedSeverity | 'unknown' | 'none';

export const FAIL_ON_THRESHOLDS: readonly FailOnThreshold[] = ['critical', 'high', 'medium', 'low', 'unknown', 'none'];
export const DEFAULT_UNKNOWN_SEVERITY: RankedSeverity = 'medium';

const RANK: Record<Severity, number> = { unknown: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function isFailOnThreshold(value: string): value is FailOnThreshold {
  return (FAIL_ON_THRESHOLDS as readonly string[]).includes(value);
}

/** The severity a finding counts as: its own, or `unknownAs` when it has none. */
export function effectiveSeverity(severity: Severity, unknownAs: RankedSeverity = DEFAULT_UNKNOWN_SEVERITY): RankedSeverity {
  return severity === 'unknown' ? unknownAs : severity;
}

export function meetsThreshold(finding: Pick<Finding, 'severity'>, threshold: FailOnThreshold, unknownAs: RankedSeverity = DEFAULT_UNKNOWN_SEVERITY): boolean {
  if (threshold === 'none') return false;
  if (threshold === 'unknown') return true;
  return RANK[effectiveSeverity(finding.severity, unknownAs)] >= RANK[threshold];
}

/** The findings of every report that meet `threshold` (what makes `scan --fail-on` exit 1). */
export function findingsAtOrAbove(reports: readonly Report[], threshold: FailOnThreshold, unknownAs: RankedSeverity = DEFAULT_UNKNOWN_SEVERITY): Finding[] {
  return reports.flatMap((r) => r.vulnerabilities.filter((f) => meetsThreshold(f, threshold, unknownAs)));
}

/** Counts per severity as reported (unknown stays unknown), highest first. */
export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/**
 * A CVSS-like score for a finding: its CVSS base score when it has one, else
 * the middle of its (effective) severity's band — critical 9.5, high 8.0,
 * medium 5.5, low 2.0 (GitHub code scanning's `security-severity` bands).
 */
export function scoreOf(finding: Pick<Finding, 'severity' | 'cvss'>, unknownAs: RankedSeverity = DEFAULT_UNKNOWN_SEVERITY): number {
  if (finding.cvss) return finding.cvss.score;
  return { critical: 9.5, high: 8.0, medium: 5.5, low: 2.0 }[effectiveSeverity(finding.severity, unknownAs)];
}

export function severityRankOf(severity: Severity): number {
  return RANK[severity];
}
