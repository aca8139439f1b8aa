/**
 * The decision for one image: a pure function of the scan report, the signature result, an
 * error (scan or verification failed) and the repository's effective policy.
 *
 * - A finding blocks when its rank reaches `blockSeverity` (findings without a severity rank
 *   as `unknownSeverity`), unless `ignoreUnfixed` and it has no fixed version, or an allowlist
 *   entry names its id or one of its aliases. An entry past `expires` no longer applies: the
 *   finding blocks again and the reason and `allowlisted` say the entry expired.
 * - `requireSignature`: a verified signature is needed; `requiredAttestations`: a verified
 *   attestation of each predicate type.
 * - An error decides by `onError` (the reasons name the error).
 * - Audit mode always allows; `wouldDeny` records what enforce mode would have decided.
 */
import type { AllowEntry } from '../config/schema.js';
import type { Finding, Report, Severity } from '../scan/types.js';
import type { AllowlistUse, Decision, Reason, SignatureSummary } from '../verdicts/types.js';
import type { EffectivePolicy, RankedSeverity } from './effective-policy.js';
import { repositoryMatches, type RepositoryName } from './repository-glob.js';

export interface PolicyInput extends RepositoryName {
  report?: Report;
  signature?: SignatureSummary;
  /** the scan or the verification failed */
  error?: string;
  now: Date;
}

export interface PolicyDecision {
  decision: Decision;
  mode: EffectivePolicy['mode'];
  reasons: Reason[];
  summary: Record<Severity, number>;
  wouldDeny?: boolean;
  allowlisted: AllowlistUse[];
  error?: string;
  /** the decision changes at this time (an allowlist entry it relies on expires) */
  validUntil?: string;
}

const RANK: Record<RankedSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
const DAY_MS = 86_400_000;

export function severityRankUnder(policy: Pick<EffectivePolicy, 'unknownSeverity'>, s: Severity): number {
  return RANK[s === 'unknown' ? policy.unknownSeverity : s];
}

/** A date-only expiry (`2027-01-31`) holds through that whole day (UTC). */
export function allowEntryExpiresAt(entry: Pick<AllowEntry, 'expires'>): number | undefined {
  if (!entry.expires) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(entry.expires)) return Date.parse(`${entry.expires}T00:00:00Z`) + DAY_MS;
  const t = Date.parse(entry.expires);
  return Number.isNaN(t) ? 0 : t; // an unreadable date never applies (fail closed)
}

function idsOf(f: Finding): string[] {
  return [f.id, ...f.aliases].map((s) => s.toUpperCase());
}

/** The id people know: a CVE alias when the record has its own id (ALPINE-CVE-…, DEBIAN-CVE-…). */
export function displayId(f: Pick<Finding, 'id' | 'aliases'>): string {
  if (/^CVE-/i.test(f.id)) return f.id;
  return f.aliases.find((a) => /^CVE-\d+-\d+$/i.test(a)) ?? f.id;
}

function emptySummary(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

function vulnerabilityReason(f: Finding, expired?: AllowEntry): Reason {
  const id = displayId(f);
  const aliases = [f.id, ...f.aliases].filter((a) => a !== id);
  return {
    kind: 'vulnerability', id, ...(aliases.length ? { aliases } : {}), severity: f.severity,
    package: f.package, version: f.version, ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
    ...(expired ? { allowlistExpired: expired.expires } : {}),
  };
}

function findingReasons(input: PolicyInput, policy: EffectivePolicy, used: Map<string, AllowlistUse>): { reasons: Reason[]; validUntil?: number } {
  const report = input.report!;
  const threshold = policy.blockSeverity === 'none' ? Infinity : RANK[policy.blockSeverity];
  const entries = policy.allowlist.filter((e) => repositoryMatches(e.repositories, input));
  const now = input.now.getTime();
  const blocking: Array<{ finding: Finding; reason: Reason }> = [];
  let validUntil: number | undefined;
  for (const f of report.vulnerabilities) {
    if (severityRankUnder(policy, f.severity) < threshold) continue;
    if (policy.ignoreUnfixed && !f.fixedVersion) continue;
    const ids = idsOf(f);
    const matching = entries.filter((e) => ids.includes(e.id.toUpperCase()));
    const live = matching.find((e) => (allowEntryExpiresAt(e) ?? Infinity) > now);
    if (live) {
      const until = allowEntryExpiresAt(live);
      if (until !== undefined) validUntil = Math.min(validUntil ?? Infinity, until);
      used.set(`${live.id}|live`, { id: live.id, ...(live.reason ? { reason: live.reason } : {}), ...(live.expires ? { expires: live.expires } : {}) });
      continue;
    }
    const expired = matching[0];
    if (expired) used.set(`${expired.id}|expired`, { id: expired.id, ...(expired.reason ? { reason: expired.reason } : {}), expires: expired.expires, expired: true });
    blocking.push({ finding: f, reason: vulnerabilityReason(f, expired) });
  }
  blocking.sort((a, b) => severityRankUnder(policy, b.finding.severity) - severityRankUnder(policy, a.finding.severity)
    || (a.reason.kind === 'vulnerability' && b.reason.kind === 'vulnerability' ? a.reason.id.localeCompare(b.reason.id) : 0));
  return { reasons: blocking.map((b) => b.reason), validUntil };
}

function signatureReasons(input: PolicyInput, policy: EffectivePolicy): Reason[] {
  const reasons: Reason[] = [];
  const sig = input.signature;
  if (policy.requireSignature && !sig?.verified) {
    const why = !sig || sig.skipped ? 'signatures were not checked' : (sig.errors?.[0] ?? 'no signature from a trusted key or identity');
    reasons.push({ kind: 'signature', message: `no signature from a trusted key or identity: ${why}` });
  }
  for (const type of policy.requiredAttestations) {
    if (!sig?.attestations?.includes(type)) reasons.push({ kind: 'attestation', predicateType: type, message: `no verified attestation of type ${type}` });
  }
  return reasons;
}

export function evaluatePolicy(input: PolicyInput, policy: EffectivePolicy): PolicyDecision {
  const summary = emptySummary();
  for (const f of input.report?.vulnerabilities ?? []) summary[f.severity]++;
  const used = new Map<string, AllowlistUse>();
  let reasons: Reason[];
  let enforceDecision: Decision;
  let validUntil: number | undefined;
  const error = input.error ?? (input.report ? undefined : 'no scan report for this image');
  if (error !== undefined) {
    enforceDecision = policy.onError;
    reasons = policy.onError === 'deny' ? [{ kind: 'error', message: error }] : [];
  } else {
    const found = findingReasons(input, policy, used);
    validUntil = found.validUntil;
    reasons = [...found.reasons, ...signatureReasons(input, policy)];
    enforceDecision = reasons.length > 0 ? 'deny' : 'allow';
  }
  const audit = policy.mode === 'audit';
  return {
    decision: audit ? 'allow' : enforceDecision,
    mode: policy.mode,
    reasons,
    summary,
    ...(audit ? { wouldDeny: enforceDecision === 'deny' } : {}),
    allowlisted: [...used.values()],
    ...(error !== undefined ? { error } : {}),
    ...(validUntil !== undefined && Number.isFinite(validUntil) ? { validUntil: new Date(validUntil).toISOString() } : {}),
  };
}
