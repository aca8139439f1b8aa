import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCycloneDx, uuidFrom } from './format-cyclonedx.js';
import { cycloneDxProblems } from './report-shape-checks.js';
import { CLEAN_REPORT, SAMPLE_REPORT } from './test-reports.js';

describe('CycloneDX 1.5 format', () => {
  const bom = toCycloneDx(SAMPLE_REPORT);

  it('is a well-formed CycloneDX 1.5 BOM (required fields, enums, unique and resolvable bom-refs)', () => {
    assert.deepEqual(cycloneDxProblems(bom), []);
    assert.deepEqual(cycloneDxProblems(toCycloneDx(CLEAN_REPORT)), []);
  });

  it('the shape checks catch dangling refs and bad enums', () => {
    const broken = structuredClone(bom);
    broken.vulnerabilities[0]!.affects[0]!.ref = 'pkg:apk/alpine/nope@1';
    (broken.vulnerabilities[0]!.ratings[0] as { severity: string }).severity = 'severe';
    broken.serialNumber = 'urn:uuid:not-a-uuid';
    assert.equal(cycloneDxProblems(broken).length, 3);
  });

  it('lists every package as a component with its purl (the OS too); duplicate purls get distinct refs', () => {
    assert.deepEqual(bom.components.map((c) => c['bom-ref']), [
      'os:alpine@3.10.4',
      'pkg:apk/alpine/libcrypto1.1@1.1.1d-r2?distro=3.10.4',
      'pkg:apk/alpine/libssl1.1@1.1.1d-r2?distro=3.10.4',
      'pkg:apk/alpine/musl@1.1.22-r3?distro=3.10.4',
      'pkg:npm/lodash@4.17.15#app/node_modules/lodash/package.json',
      'pkg:npm/lodash@4.17.15#app/node_modules/other/node_modules/lodash/package.json',
    ]);
    assert.equal(bom.metadata.component.type, 'container');
  });

  it('has one vulnerability per id with ratings, affected components and the fix as recommendation', () => {
    const v = bom.vulnerabilities.find((x) => x.id === 'CVE-2021-3449')!;
    assert.deepEqual(v.ratings, [{ source: { name: 'NVD', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-3449' }, score: 5.9, severity: 'medium', method: 'CVSSv31', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H' }]);
    assert.deepEqual(v.affects.map((a) => a.ref), ['pkg:apk/alpine/libcrypto1.1@1.1.1d-r2?distro=3.10.4', 'pkg:apk/alpine/libssl1.1@1.1.1d-r2?distro=3.10.4']);
    assert.equal(v.recommendation, 'Upgrade libcrypto1.1 to 1.1.1k-r0; libssl1.1 to 1.1.1k-r0');
    assert.deepEqual(v.references?.map((r) => r.id), ['ALPINE-CVE-2021-3449']);
    const ghsa = bom.vulnerabilities.find((x) => x.id === 'GHSA-p6mc-m468-83gw')!;
    assert.equal(ghsa.ratings[0]!.method, 'CVSSv4');
    assert.equal(ghsa.affects.length, 2);
    const unfixed = bom.vulnerabilities.find((x) => x.id === 'ALPINE-CVE-2099-0001')!;
    assert.deepEqual(unfixed.ratings, [{ severity: 'unknown' }]);
    assert.equal(unfixed.recommendation, 'No fixed version is known yet');
  });

  it('derives a stable RFC 4122 serial number from the content', () => {
    assert.equal(toCycloneDx(SAMPLE_REPORT).serialNumber, bom.serialNumber);
    assert.notEqual(toCycloneDx(CLEAN_REPORT).serialNumber, bom.serialNumber);
    assert.match(uuidFrom('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
