/**
 * The report page a person opens from a denial: the image, the decision and why, findings grouped
 * by severity with fixed versions, the signature result, the policy that applied, what would let
 * the image through, and the packages. Server-rendered, every value escaped, no external assets.
 */
import type { EffectivePolicy } from '../policy/index.js';
import { displayId } from '../policy/index.js';
import type { Report, Severity } from '../scan/types.js';
import type { Reason, Verdict } from '../verdicts/types.js';
import { reasonsSummary } from '../gate/denial.js';
import { comparerFor } from '../scan/versions/index.js';
import { esc, safeHref, STYLESHEET_PATH } from './html.js';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

export interface ReportPageInput {
  digest: string;
  report?: Report;
  verdict?: Verdict;
  policy?: EffectivePolicy;
  now: Date;
}

function badge(v: Verdict | undefined): string {
  if (!v) return '<span class="badge audit">no verdict yet</span>';
  if (v.wouldDeny) return '<span class="badge audit">allowed (audit mode: would be denied)</span>';
  return `<span class="badge ${v.decision}">${v.decision === 'allow' ? 'allowed' : 'denied'}</span>`;
}

function blockingIds(v: Verdict | undefined): Set<string> {
  const ids = new Set<string>();
  for (const r of v?.reasons ?? []) if (r.kind === 'vulnerability') for (const id of [r.id, ...(r.aliases ?? [])]) ids.add(id);
  return ids;
}

function findingsSection(report: Report, verdict: Verdict | undefined): string {
  if (report.vulnerabilities.length === 0) return '<h2>Findings</h2><p>No known vulnerabilities in the packages found.</p>';
  const blocking = blockingIds(verdict);
  const groups = SEVERITIES.map((sev) => {
    const rows = report.vulnerabilities.filter((f) => f.severity === sev);
    if (rows.length === 0) return '';
    const body = rows.map((f) => `<tr><td><code>${esc(displayId(f))}</code>${f.aliases.length ? `<div class="muted">${esc([f.id, ...f.aliases].filter((a) => a !== displayId(f)).join(', '))}</div>` : ''}</td>`
      + `<td>${esc(f.package)}</td><td><code>${esc(f.version)}</code></td><td>${f.fixedVersion ? `<code>${esc(f.fixedVersion)}</code>` : '<span class="muted">no fix yet</span>'}</td>`
      + `<td>${f.cvss ? `${esc(f.cvss.score)} <span class="muted">${esc(f.cvss.vector)}</span>` : ''}</td><td>${blocking.has(f.id) ? 'blocks' : '<span class="muted">—</span>'}</td></tr>`).join('');
    return `<h3 class="sev-${sev}">${esc(sev === 'unknown' ? 'unrated' : sev)} (${rows.length})</h3><table><tr><th>id</th><th>package</th><th>installed</th><th>fixed in</th><th>CVSS</th><th>decision</th></tr>${body}</table>`;
  }).join('');
  return `<h2>Findings (${report.vulnerabilities.length})</h2>${groups}`;
}

/** Per blocking package: the highest fixed version among its blocking findings (compared the ecosystem's way). */
function upgradesNeeded(vulns: Array<Extract<Reason, { kind: 'vulnerability' }>>, report: Report | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of vulns) {
    if (!r.fixedVersion) continue;
    const key = `${r.package} ${r.version}`;
    const ecosystem = report?.vulnerabilities.find((f) => f.package === r.package && f.version === r.version)?.ecosystem ?? '';
    const cmp = comparerFor(ecosystem);
    const current = out.get(key);
    if (current === undefined || (cmp ? cmp.compare(r.fixedVersion, current) > 0 : r.fixedVersion > current)) out.set(key, r.fixedVersion);
  }
  return out;
}

function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

function remedies(verdict: Verdict | undefined, report: Report | undefined, now: Date): string {
  const vulns = (verdict?.reasons ?? []).filter((r): r is Extract<Reason, { kind: 'vulnerability' }> => r.kind === 'vulnerability');
  const other = (verdict?.reasons ?? []).filter((r) => r.kind !== 'vulnerability');
  if (vulns.length === 0 && other.length === 0) return '';
  const parts: string[] = ['<h2>What would let it through</h2>'];
  if (vulns.length) {
    const upgrades = upgradesNeeded(vulns, report);
    if (upgrades.size) {
      parts.push('<p>Rebuild the image with fixed packages:</p><ul>');
      for (const [pkg, fix] of upgrades) parts.push(`<li>upgrade <code>${esc(pkg)}</code> to <code>${esc(fix)}</code> or later</li>`);
      parts.push('</ul>');
    }
    const unfixed = vulns.filter((r) => !r.fixedVersion);
    if (unfixed.length) parts.push(`<p>${unfixed.length} finding(s) have no fix yet: <code>policy.ignoreUnfixed: true</code> would skip them.</p>`);
    const repo = verdict?.repository ?? report?.target ?? '*';
    const ids = [...new Set(vulns.map((r) => r.id))];
    const yaml = ['policy:', '  allowlist:', ...ids.flatMap((id) => [
      `    - id: ${id}`, `      repositories: ["${repo}"]`, `      expires: "${addDays(now, 30)}"`, '      reason: "why this finding is acceptable here"',
    ])].join('\n');
    parts.push(`<p>Or accept the risk explicitly with expiring allowlist entries:</p><pre>${esc(yaml)}</pre>`);
  }
  for (const r of other) parts.push(`<p>${esc(r.kind)}: ${esc(r.message)}</p>`);
  return parts.join('');
}

function signatureSection(v: Verdict | undefined): string {
  const s = v?.signature;
  if (!s) return '';
  let text: string;
  if (s.skipped) text = 'not checked (the policy for this repository does not require a signature)';
  else if (s.verified) text = `verified (${s.format ?? ''}) — signer: ${s.signer ? ('key' in s.signer ? `key ${s.signer.key}` : `${s.signer.issuer} / ${s.signer.subject}`) : 'unknown'}${s.signedDigest && s.signedDigest !== v.digest ? `, via ${s.signedDigest}` : ''}`;
  else text = `not verified: ${(s.errors ?? []).join('; ') || 'no signature from a trusted key or identity'}`;
  const att = s.attestations?.length ? `<p>Attestations: ${esc(s.attestations.join(', '))}</p>` : '';
  return `<h2>Signature</h2><p>${esc(text)}</p>${att}`;
}

function policySection(v: Verdict | undefined, policy: EffectivePolicy | undefined): string {
  if (!policy) return '';
  const allowlisted = v?.allowlisted?.length
    ? `<p>Allowlist entries used: ${v.allowlisted.map((a) => `${esc(a.id)}${a.expired ? ' (expired ' + esc(a.expires) + ', no longer applies)' : a.expires ? ' (until ' + esc(a.expires) + ')' : ''}`).join(', ')}</p>` : '';
  return `<h2>Policy that applied</h2>${allowlisted}<pre>${esc(JSON.stringify(policy, null, 2))}</pre>`
    + (v ? `<p class="muted">policy hash ${esc(v.policyHash)} · database ${esc(v.dbVersion)} · decided ${esc(v.decidedAt)}</p>` : '');
}

function packagesSection(report: Report): string {
  const rows = report.packages.map((p) => `<tr><td>${esc(p.name)}</td><td><code>${esc(p.version)}</code></td><td>${esc(p.ecosystem)}</td><td><code>${esc(p.purl)}</code></td></tr>`).join('');
  return `<h2>Packages (${report.packages.length})</h2><table><tr><th>name</th><th>version</th><th>ecosystem</th><th>purl</th></tr>${rows}</table>`;
}

export function renderReportPage(input: ReportPageInput): string {
  const { report, verdict } = input;
  const repo = verdict?.repository ?? report?.target ?? '';
  const facts: Array<[string, string | undefined]> = [
    ['repository', verdict ? `${verdict.upstream ? verdict.upstream + ': ' : ''}${verdict.repository}` : undefined],
    ['digest', input.digest],
    ['platform', report?.platform ?? verdict?.platform],
    ['os', report?.os ? `${report.os.name ?? report.os.family} (${report.os.family} ${report.os.version})` : undefined],
    ['scanned', report?.scannedAt],
    ['database', report?.dbVersion],
  ];
  const why = verdict && verdict.reasons.length ? `<p>${esc(reasonsSummary(verdict.reasons))}</p>` : '';
  const error = verdict?.error ? `<p><strong>Decision failed:</strong> ${esc(verdict.error)} (policy.onError decided)</p>` : '';
  const platforms = verdict?.platforms?.length
    ? `<h2>Platforms</h2><table><tr><th>platform</th><th>digest</th><th>decision</th></tr>${verdict.platforms.map((p) => `<tr><td>${esc(p.platform ?? '')}</td><td><a href="${safeHref(`/api/v1/reports/${p.digest}`)}">${esc(p.digest)}</a></td><td>${esc(p.decision)}</td></tr>`).join('')}</table>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${esc(repo)} — Portcullis report</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head><body><main>`
    + `<h1>${esc(repo)}</h1><p>${badge(verdict)}${verdict ? ` <span class="muted">${esc(verdict.mode)} mode</span>` : ''}</p>${why}${error}`
    + `<dl>${facts.filter(([, v]) => v).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`
    + platforms
    + remedies(verdict, report, input.now)
    + (report ? findingsSection(report, verdict) : '<h2>Findings</h2><p>No scan report is stored for this digest.</p>')
    + signatureSection(verdict)
    + policySection(verdict, input.policy)
    + (report ? packagesSection(report) : '')
    + `<p class="muted"><a href="${safeHref(`/api/v1/reports/${input.digest}`)}">JSON</a> · <a href="${safeHref(`/api/v1/verdicts/${input.digest}`)}">verdict</a> · <a href="${safeHref(`/api/v1/sbom/${input.digest}`)}">CycloneDX SBOM</a></p>`
    + '</main></body></html>';
}
