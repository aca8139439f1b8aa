import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReportPage } from './report-page.js';
import { toCycloneDx } from './cyclonedx.js';
import type { Report } from '../scan/types.js';
import type { Verdict } from '../verdicts/types.js';

const digest = `sha256:${'d'.repeat(64)}`;
const report: Report = {
  target: 'library/app@' + digest, digest, os: { family: 'alpine', version: '3.11.5' },
  packages: [
    { name: 'libssl1.1', version: '1.1.1d-r0', kind: 'apk', ecosystem: 'Alpine:v3.11', source: 'openssl', purl: 'pkg:apk/alpine/libssl1.1@1.1.1d-r0?arch=x86_64&distro=3.11.5', path: 'lib/apk/db/installed' },
    { name: '<script>alert(1)</script>', version: '"><img src=x>', kind: 'npm', ecosystem: 'npm', purl: '', path: 'app/package.json' },
  ],
  vulnerabilities: [
    { id: 'CVE-2019-1551', aliases: ['ALPINE-CVE-2019-1551'], package: 'libssl1.1', version: '1.1.1d-r0', ecosystem: 'Alpine:v3.11', fixedVersion: '1.1.1d-r3', severity: 'unknown' },
    { id: 'CVE-2019-1547', aliases: [], package: 'libssl1.1', version: '1.1.1d-r0', ecosystem: 'Alpine:v3.11', fixedVersion: '1.1.1d-r1', severity: 'high', cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N', score: 7.5 } },
  ],
  dbVersion: 'db1', scannedAt: '2026-01-01T00:00:00Z', scanner: { version: 'scanner-1' },
};
const verdict: Verdict = {
  digest, repository: 'library/app', upstream: 'hub', decision: 'deny', mode: 'enforce',
  reasons: [
    { kind: 'vulnerability', id: 'CVE-2019-1547', severity: 'high', package: 'libssl1.1', version: '1.1.1d-r0', fixedVersion: '1.1.1d-r1' },
    { kind: 'vulnerability', id: 'CVE-2019-1551', aliases: ['ALPINE-CVE-2019-1551'], severity: 'unknown', package: 'libssl1.1', version: '1.1.1d-r0', fixedVersion: '1.1.1d-r3' },
  ],
  summary: { critical: 0, high: 1, medium: 0, low: 0, unknown: 1 }, signature: { verified: false, skipped: true },
  policyHash: 'p', dbVersion: 'db1', decidedAt: '2026-01-01T00:00:00Z', reportUrl: 'http://gw/api/v1/reports/' + digest,
};

test('the report page: grouped findings, the highest fix per package, an allowlist snippet, everything escaped', () => {
  const html = renderReportPage({ digest, report, verdict, now: new Date('2026-01-01T00:00:00Z') });
  assert.ok(!html.includes('<script>alert(1)</script>'), 'package names are escaped');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!html.includes('"><img'));
  assert.match(html, /<h3 class="sev-high">high \(1\)<\/h3>/);
  assert.match(html, /<h3 class="sev-unknown">unrated \(1\)<\/h3>/);
  assert.ok(html.includes('upgrade <code>libssl1.1 1.1.1d-r0</code> to <code>1.1.1d-r3</code> or later'), 'the highest fixed version covers both');
  assert.ok(html.includes('    - id: CVE-2019-1551\n      repositories: [&quot;library/app&quot;]\n      expires: &quot;2026-01-31&quot;'));
  assert.ok(!/<script|<style|https?:\/\/(?!gw)/.test(html.replace(/https?:\/\/gw/g, '')), 'no scripts, no inline styles, no external assets');
});

test('CycloneDX 1.5: components with purls, vulnerabilities affecting them, CVSS ratings', () => {
  const bom = toCycloneDx(report, { repository: 'library/app', registry: 'docker.io' }) as any;
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.5');
  assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(bom.metadata.component.type, 'container');
  assert.equal(bom.metadata.component.purl, `pkg:oci/app@sha256%3A${'d'.repeat(64)}?repository_url=docker.io%2Flibrary%2Fapp`);
  assert.equal(bom.components[0].purl, report.packages[0]!.purl);
  const high = bom.vulnerabilities.find((v: { id: string }) => v.id === 'CVE-2019-1547');
  assert.deepEqual(high.ratings, [{ source: { name: 'OSV' }, severity: 'high', method: 'CVSSv31', score: 7.5, vector: 'CVSS:3.1/AV:N' }]);
  assert.deepEqual(high.affects, [{ ref: report.packages[0]!.purl, versions: [{ version: '1.1.1d-r0', status: 'affected' }] }]);
  assert.equal(high.recommendation, 'Upgrade libssl1.1 to 1.1.1d-r1 or later');
  assert.equal(bom.dependencies[0].dependsOn.length, 2);
});
