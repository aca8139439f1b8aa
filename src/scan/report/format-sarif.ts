/**
 * `--format sarif`: SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure).
 * One run per report (per platform); one rule per vulnerability id; one result
 * per finding, located at the file that declared the package (e.g.
 * `lib/apk/db/installed`). Severity → `level` (critical/high: error, medium:
 * warning, low: note) and the rule's `security-severity` (CVSS base score,
 * else the middle of the severity's band); findings without a severity rank as
 * `unknownSeverity`, as the policy does.
 */
import { createHash } from 'node:crypto';
import { PORTCULLIS_VERSION } from '../../version.js';
import type { Finding, Report } from '../types.js';
import { DEFAULT_UNKNOWN_SEVERITY, effectiveSeverity, scoreOf, severityRankOf, type RankedSeverity } from './severity-threshold.js';
import { advisoryUrl } from './vulnerability-links.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifOptions {
  unknownSeverity?: RankedSeverity;
}

const LEVELS: Record<RankedSeverity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity': string; severity: string; tags: string[]; precision: 'very-high' };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; message: { text: string } }[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, string>;
}

/** The finding that speaks for a rule: the highest severity, then the highest score. */
function representative(findings: Finding[], unknownAs: RankedSeverity): Finding {
  return findings.reduce((best, f) => {
    const d = severityRankOf(effectiveSeverity(f.severity, unknownAs)) - severityRankOf(effectiveSeverity(best.severity, unknownAs));
    return d > 0 || (d === 0 && scoreOf(f, unknownAs) > scoreOf(best, unknownAs)) ? f : best;
  });
}

function ruleFor(id: string, findings: Finding[], unknownAs: RankedSeverity): SarifRule {
  const top = representative(findings, unknownAs);
  const ranked = effectiveSeverity(top.severity, unknownAs);
  const title = top.summary ?? `${id} in ${top.advisoryPackage ?? top.package}`;
  const packages = [...new Set(findings.map((f) => f.package))].sort();
  const fixes = findings.filter((f) => f.fixedVersion).map((f) => `${f.package} ${f.fixedVersion}`);
  const lines = [
    title,
    `Severity: ${top.severity}${top.cvss ? ` (CVSS ${top.cvss.version} ${top.cvss.score}: ${top.cvss.vector})` : ''}`,
    `Packages: ${packages.join(', ')}`,
    `Fixed in: ${fixes.length > 0 ? [...new Set(fixes)].join(', ') : 'no fixed version yet'}`,
    ...(top.aliases.length > 0 ? [`Also known as: ${top.aliases.join(', ')}`] : []),
  ];
  return {
    id,
    name: id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: title },
    fullDescription: { text: lines.slice(0, 2).join('. ') },
    helpUri: advisoryUrl(id),
    help: { text: lines.join('\n'), markdown: lines.map((l) => `- ${l}`).join('\n') + `\n\n[${id}](${advisoryUrl(id)})` },
    defaultConfiguration: { level: LEVELS[ranked] },
    properties: {
      'security-severity': scoreOf(top, unknownAs).toFixed(1),
      severity: top.severity,
      tags: ['security', 'vulnerability', top.severity],
      precision: 'very-high',
    },
  };
}

function fingerprint(report: Report, f: Finding): string {
  return createHash('sha256').update([f.id, f.package, f.version, f.path ?? '', report.platform ?? ''].join('\u0000')).digest('hex');
}

function resultFor(report: Report, f: Finding, ruleIndex: number, unknownAs: RankedSeverity): SarifResult {
  const fixed = f.fixedVersion ? `; fixed in ${f.fixedVersion}` : '; no fixed version yet';
  const path = f.path ?? 'image';
  return {
    ruleId: f.id,
    ruleIndex,
    level: LEVELS[effectiveSeverity(f.severity, unknownAs)],
    message: { text: `${f.package} ${f.version} is affected by ${f.id} (${f.severity})${fixed}. Image: ${report.target}${report.platform ? ` (${report.platform})` : ''}.` },
    locations: [{ physicalLocation: { artifactLocation: { uri: path }, region: { startLine: 1 } }, message: { text: `${f.package}@${f.version} (${f.ecosystem})` } }],
    partialFingerprints: { 'portcullis/finding/v1': fingerprint(report, f) },
    properties: {
      package: f.package,
      installedVersion: f.version,
      ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
      ecosystem: f.ecosystem,
      ...(f.layer ? { layer: f.layer } : {}),
    },
  };
}

function runFor(report: Report, unknownAs: RankedSeverity) {
  const byId = new Map<string, Finding[]>();
  for (const f of report.vulnerabilities) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const ids = [...byId.keys()].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  return {
    tool: {
      driver: {
        name: 'portcullis',
        semanticVersion: PORTCULLIS_VERSION,
        version: `${PORTCULLIS_VERSION} (${report.scanner.version})`,
        rules: ids.map((id) => ruleFor(id, byId.get(id)!, unknownAs)),
      },
    },
    ...(report.platform ? { automationDetails: { id: `portcullis-scan/${report.platform}/` } } : {}),
    results: report.vulnerabilities.map((f) => resultFor(report, f, index.get(f.id)!, unknownAs)),
    columnKind: 'utf16CodeUnits' as const,
    properties: {
      target: report.target,
      imageDigest: report.digest,
      ...(report.platform ? { platform: report.platform } : {}),
      ...(report.os ? { os: `${report.os.family} ${report.os.version}` } : {}),
      dbVersion: report.dbVersion,
      scannedAt: report.scannedAt,
      packages: report.packages.length,
    },
  };
}

export function toSarif(reports: readonly Report[], options: SarifOptions = {}) {
  const unknownAs = options.unknownSeverity ?? DEFAULT_UNKNOWN_SEVERITY;
  return { $schema: SARIF_SCHEMA, version: '2.1.0' as const, runs: reports.map((r) => runFor(r, unknownAs)) };
}
