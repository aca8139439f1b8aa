/**
 * What a refused client sees. Clients print the error `message` and little else (skopeo and
 * podman: `… denied: <message>`; containerd: `… 403 Forbidden` plus the body's message), so the
 * message is one line a person can act on: counts by severity, the first findings with the
 * fixed version, signature problems, and the report link. The Verdict rides along in `detail`.
 */
import { RegistryError } from '../errors.js';
import type { Reason, Verdict } from '../verdicts/types.js';

const MAX_LISTED = 3;
const MAX_MESSAGE = 900;
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'unknown'] as const;

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
}

type VulnerabilityReason = Extract<Reason, { kind: 'vulnerability' }>;

/** One entry per advisory and installed version: the same CVE in libssl and libcrypto is one line. */
function grouped(vulns: VulnerabilityReason[]): Array<{ first: VulnerabilityReason; packages: string[] }> {
  const groups = new Map<string, { first: VulnerabilityReason; packages: string[] }>();
  for (const v of vulns) {
    const key = `${v.id}\u0000${v.version}\u0000${v.fixedVersion ?? ''}`;
    const g = groups.get(key);
    if (g) g.packages.push(v.package);
    else groups.set(key, { first: v, packages: [v.package] });
  }
  return [...groups.values()];
}

function finding(g: { first: VulnerabilityReason; packages: string[] }): string {
  const r = g.first;
  const fix = r.fixedVersion ? `, fixed in ${r.fixedVersion}` : ', no fix yet';
  const expired = r.allowlistExpired ? `, allowlist entry expired ${r.allowlistExpired}` : '';
  return `${r.id} in ${g.packages.join(' and ')} ${r.version}${fix}${expired}`;
}

/** "2 critical, 5 high (CVE-… in pkg 1.0, fixed in 1.1; …; and 4 more)" plus signature/attestation problems. */
export function reasonsSummary(reasons: Reason[]): string {
  const groups = grouped(reasons.filter((r): r is VulnerabilityReason => r.kind === 'vulnerability'));
  const parts: string[] = [];
  if (groups.length > 0) {
    const ids = new Map<string, VulnerabilityReason>();
    for (const g of groups) if (!ids.has(g.first.id)) ids.set(g.first.id, g.first);
    const counts = SEVERITY_ORDER.map((s) => [s, [...ids.values()].filter((v) => v.severity === s).length] as const).filter(([, n]) => n > 0);
    const listed = groups.slice(0, MAX_LISTED).map(finding).join('; ');
    const more = groups.length > MAX_LISTED ? `; and ${groups.length - MAX_LISTED} more` : '';
    parts.push(`${counts.map(([s, n]) => `${n} ${s === 'unknown' ? 'unrated' : s}`).join(', ')} (${listed}${more})`);
  }
  for (const r of reasons) if (r.kind !== 'vulnerability') parts.push(r.message);
  return parts.join('; ') || 'the policy refused this image';
}

function clip(s: string, suffix: string): string {
  const room = MAX_MESSAGE - suffix.length;
  return (s.length > room ? s.slice(0, room - 1) + '…' : s) + suffix;
}

export function denialMessage(verdict: Verdict, reportUrl: string): string {
  if (verdict.platforms && verdict.platforms.length > 0 && verdict.reasons.length === 0) {
    return oneLine(clip(`denied by policy: none of the ${verdict.platforms.length} platforms of this index is allowed`, ` — report: ${reportUrl}`));
  }
  const scope = verdict.platforms?.length ? `none of the ${verdict.platforms.length} platforms of this index is allowed; ${verdict.platform ?? 'first platform'}: ` : '';
  return oneLine(clip(`denied by policy: ${scope}${reasonsSummary(verdict.reasons)}`, ` — report: ${reportUrl}`));
}

/** A refusal built from a verdict: the HTTP layer may rebuild it with the origin the client used. */
export class GateRefusal extends RegistryError {
  constructor(code: 'DENIED' | 'UNAVAILABLE', message: string, opts: { detail: Verdict; headers?: Record<string, string> }, readonly verdict: Verdict, readonly retryAfterSeconds: number) {
    super(code, message, opts);
  }
}

/** A policy denial → 403 DENIED; a denial because the decision failed (onError: deny) → 503. */
export function refusal(verdict: Verdict, reportUrl: string, retryAfterSeconds: number): GateRefusal {
  const detail = verdict.reportUrl === reportUrl ? verdict : { ...verdict, reportUrl };
  if (verdict.error !== undefined) {
    const message = oneLine(clip(`cannot decide on ${verdict.digest}: ${verdict.error}; policy.onError is deny, so it is refused for now — retry in ${retryAfterSeconds}s`, ` (status: ${reportUrl.replace('/reports/', '/verdicts/')})`));
    return new GateRefusal('UNAVAILABLE', message, { detail, headers: { 'Retry-After': String(retryAfterSeconds) } }, verdict, retryAfterSeconds);
  }
  return new GateRefusal('DENIED', denialMessage(verdict, reportUrl), { detail }, verdict, retryAfterSeconds);
}

/** The first pull waited `scanTimeout` and the scan is still running (onError: deny). */
export function scanPending(digest: string, waitedMs: number, retryAfterSeconds: number): RegistryError {
  return new RegistryError('UNAVAILABLE',
    `the vulnerability scan of ${digest} is still running (waited ${Math.round(waitedMs / 1000)}s, policy.scanTimeout); it continues in the background — retry in ${retryAfterSeconds}s`,
    { headers: { 'Retry-After': String(retryAfterSeconds) } });
}
