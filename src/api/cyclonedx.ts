/**
 * CycloneDX 1.5 JSON for one scanned image: the image as the BOM's subject, each package as a
 * component with its purl, each finding as a vulnerability that affects its component.
 */
import { createHash } from 'node:crypto';
import type { Finding, Package, Report } from '../scan/types.js';
import { PORTCULLIS_VERSION } from '../version.js';

type Rating = { severity: string; method?: string; score?: number; vector?: string; source?: { name: string } };

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  // RFC 4122 layout, version 5-style (name-based) bits
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function componentRef(p: Pick<Package, 'purl' | 'name' | 'version'>, i: number): string {
  return p.purl || `pkg-${i}-${p.name}@${p.version}`;
}

function cvssMethod(version: string): string {
  if (version.startsWith('4')) return 'CVSSv4';
  if (version === '3.1') return 'CVSSv31';
  if (version.startsWith('3')) return 'CVSSv3';
  if (version.startsWith('2')) return 'CVSSv2';
  return 'other';
}

function ratings(f: Finding): Rating[] {
  if (f.cvss) return [{ source: { name: 'OSV' }, severity: f.severity, method: cvssMethod(f.cvss.version), score: f.cvss.score, vector: f.cvss.vector }];
  return [{ source: { name: 'OSV' }, severity: f.severity }];
}

/** `pkg:oci/<name>@<digest>` for the image itself. */
export function imagePurl(repository: string, digest: string, registry?: string): string {
  const name = repository.split('/').pop()!.toLowerCase();
  const qualifiers = registry ? `?repository_url=${encodeURIComponent(`${registry}/${repository}`)}` : '';
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(digest)}${qualifiers}`;
}

export function toCycloneDx(report: Report, image: { repository: string; registry?: string }): Record<string, unknown> {
  const refs = new Map<string, string>();
  const components = report.packages.map((p, i) => {
    const ref = componentRef(p, i);
    refs.set(`${p.name}\u0000${p.version}\u0000${p.ecosystem}`, ref);
    const properties = [
      { name: 'portcullis:ecosystem', value: p.ecosystem },
      ...(p.source ? [{ name: 'portcullis:source-package', value: p.source }] : []),
      ...(p.layer ? [{ name: 'portcullis:layer', value: p.layer }] : []),
      { name: 'portcullis:path', value: p.path },
    ];
    return { type: 'library', 'bom-ref': ref, name: p.name, version: p.version, ...(p.purl ? { purl: p.purl } : {}), properties };
  });
  const vulnerabilities = report.vulnerabilities.map((f, i) => {
    const ref = refs.get(`${f.package}\u0000${f.version}\u0000${f.ecosystem}`);
    return {
      'bom-ref': `vuln-${i}-${f.id}`,
      id: f.id,
      source: { name: 'OSV', url: `https://osv.dev/vulnerability/${encodeURIComponent(f.id)}` },
      ...(f.aliases.length ? { references: f.aliases.map((a) => ({ id: a, source: { name: a.startsWith('CVE-') ? 'NVD' : 'OSV', url: a.startsWith('CVE-') ? `https://nvd.nist.gov/vuln/detail/${encodeURIComponent(a)}` : `https://osv.dev/vulnerability/${encodeURIComponent(a)}` } })) } : {}),
      ratings: ratings(f),
      ...(f.summary ? { description: f.summary } : {}),
      ...(f.fixedVersion ? { recommendation: `Upgrade ${f.package} to ${f.fixedVersion} or later` } : {}),
      affects: ref ? [{ ref, versions: [{ version: f.version, status: 'affected' }] }] : [],
    };
  });
  const subjectRef = `image-${report.digest}`;
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFrom(`${report.digest}|${report.dbVersion}|${report.scanner.version}`)}`,
    version: 1,
    metadata: {
      timestamp: report.scannedAt,
      tools: { components: [{ type: 'application', name: 'portcullis', version: PORTCULLIS_VERSION }] },
      component: {
        type: 'container', 'bom-ref': subjectRef, name: image.repository, version: report.digest,
        purl: imagePurl(image.repository, report.digest, image.registry),
        ...(report.os ? { properties: [{ name: 'portcullis:os', value: `${report.os.family} ${report.os.version}` }] } : {}),
      },
    },
    components,
    dependencies: [{ ref: subjectRef, dependsOn: components.map((c) => c['bom-ref']) }],
    vulnerabilities,
  };
}
