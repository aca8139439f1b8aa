/**
 * `--format cyclonedx` (and the gateway's /api/v1/sbom): a CycloneDX 1.5 JSON
 * BOM of one report. The image is `metadata.component` (a container), every
 * package a `library` component with its purl (the OS an `operating-system`
 * component), and every vulnerability one entry with its ratings (CVSS when
 * scored), the components it affects and, as `recommendation`, the versions
 * that fix it. Deterministic: the serial number is derived from the content.
 */
import { createHash } from 'node:crypto';
import { PORTCULLIS_VERSION } from '../../version.js';
import type { Cvss, Finding, Package, Report, Severity } from '../types.js';
import { advisorySource } from './vulnerability-links.js';

export const CYCLONEDX_SPEC_VERSION = '1.5';

type RatingMethod = 'CVSSv2' | 'CVSSv3' | 'CVSSv31' | 'CVSSv4' | 'other';

interface Property {
  name: string;
  value: string;
}

interface Component {
  type: 'library' | 'operating-system' | 'container';
  'bom-ref': string;
  name: string;
  version?: string;
  purl?: string;
  properties?: Property[];
}

interface Rating {
  source?: { name: string; url?: string };
  score?: number;
  severity: Severity;
  method?: RatingMethod;
  vector?: string;
}

interface Vulnerability {
  'bom-ref': string;
  id: string;
  source: { name: string; url: string };
  references?: { id: string; source: { name: string; url: string } }[];
  ratings: Rating[];
  description?: string;
  recommendation?: string;
  affects: { ref: string; versions: { version: string; status: 'affected' }[] }[];
  properties?: Property[];
}

function methodOf(cvss: Cvss): RatingMethod {
  if (cvss.version === '3.1') return 'CVSSv31';
  if (cvss.version.startsWith('3')) return 'CVSSv3';
  if (cvss.version.startsWith('4')) return 'CVSSv4';
  if (cvss.version.startsWith('2')) return 'CVSSv2';
  return 'other';
}

/** A UUID (version 5 layout) from a hash of `seed`: the same report gives the same serial number. */
export function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function packageKey(p: Pick<Package, 'name' | 'version' | 'path'>): string {
  return `${p.name}\u0000${p.version}\u0000${p.path}`;
}

/** bom-refs: the purl, with `#path` added when the same purl is installed at several paths. */
function componentRefs(packages: readonly Package[]): Map<string, string> {
  const purlCount = new Map<string, number>();
  for (const p of packages) purlCount.set(p.purl, (purlCount.get(p.purl) ?? 0) + 1);
  const refs = new Map<string, string>();
  for (const p of packages) refs.set(packageKey(p), (purlCount.get(p.purl) ?? 0) > 1 ? `${p.purl}#${p.path}` : p.purl);
  return refs;
}

function componentOf(p: Package, ref: string): Component {
  const properties: Property[] = [
    { name: 'portcullis:package:ecosystem', value: p.ecosystem },
    { name: 'portcullis:package:path', value: p.path },
    ...(p.layer ? [{ name: 'portcullis:package:layer', value: p.layer }] : []),
    ...(p.source ? [{ name: 'portcullis:package:source', value: p.source }] : []),
    ...(p.sourceVersion ? [{ name: 'portcullis:package:sourceVersion', value: p.sourceVersion }] : []),
  ];
  return { type: 'library', 'bom-ref': ref, name: p.name, version: p.version, purl: p.purl, properties };
}

function vulnerabilityOf(id: string, findings: Finding[], refs: Map<string, string>): Vulnerability {
  const first = findings[0]!;
  const aliases = [...new Set(findings.flatMap((f) => f.aliases))].filter((a) => a !== id).sort();
  const ratings: Rating[] = [];
  const seenRatings = new Set<string>();
  for (const f of findings) {
    const rating: Rating = f.cvss
      ? { source: advisorySource(id), score: f.cvss.score, severity: f.severity, method: methodOf(f.cvss), vector: f.cvss.vector }
      : { severity: f.severity };
    const key = JSON.stringify(rating);
    if (!seenRatings.has(key)) ratings.push(rating);
    seenRatings.add(key);
  }
  const affects = new Map<string, Set<string>>();
  for (const f of findings) {
    const ref = refs.get(packageKey({ name: f.package, version: f.version, path: f.path ?? '' }));
    if (ref) affects.set(ref, (affects.get(ref) ?? new Set()).add(f.version));
  }
  const fixes = [...new Set(findings.filter((f) => f.fixedVersion).map((f) => `${f.package} to ${f.fixedVersion}`))];
  const fixedVersions = [...new Set(findings.flatMap((f) => (f.fixedVersion ? [f.fixedVersion] : [])))];
  return {
    'bom-ref': `vulnerability:${id}`,
    id,
    source: advisorySource(id),
    ...(aliases.length > 0 ? { references: aliases.map((a) => ({ id: a, source: advisorySource(a) })) } : {}),
    ratings,
    ...(first.summary ? { description: first.summary } : {}),
    recommendation: fixes.length > 0 ? `Upgrade ${fixes.join('; ')}` : 'No fixed version is known yet',
    affects: [...affects].map(([ref, versions]) => ({ ref, versions: [...versions].map((version) => ({ version, status: 'affected' as const })) })),
    ...(fixedVersions.length > 0 ? { properties: fixedVersions.map((v) => ({ name: 'portcullis:vulnerability:fixedVersion', value: v })) } : {}),
  };
}

export function toCycloneDx(report: Report) {
  const refs = componentRefs(report.packages);
  const components: Component[] = report.packages.map((p) => componentOf(p, refs.get(packageKey(p))!));
  if (report.os) {
    components.unshift({ type: 'operating-system', 'bom-ref': `os:${report.os.family}@${report.os.version}`, name: report.os.family, version: report.os.version });
  }
  const byId = new Map<string, Finding[]>();
  for (const f of report.vulnerabilities) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const metadataProperties: Property[] = [
    { name: 'portcullis:image:digest', value: report.digest },
    ...(report.platform ? [{ name: 'portcullis:image:platform', value: report.platform }] : []),
    { name: 'portcullis:vulndb:version', value: report.dbVersion },
    { name: 'portcullis:scanner:version', value: report.scanner.version },
  ];
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX' as const,
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: `urn:uuid:${uuidFrom([report.digest, report.platform ?? '', report.dbVersion, report.scannedAt].join('\u0000'))}`,
    version: 1,
    metadata: {
      timestamp: report.scannedAt,
      tools: { components: [{ type: 'application' as const, name: 'portcullis', version: PORTCULLIS_VERSION }] },
      component: { type: 'container' as const, 'bom-ref': report.digest, name: report.target, version: report.digest },
      properties: metadataProperties,
    },
    components,
    dependencies: [{ ref: report.digest, dependsOn: components.map((c) => c['bom-ref']) }],
    vulnerabilities: [...byId].map(([id, findings]) => vulnerabilityOf(id, findings, refs)),
  };
}
