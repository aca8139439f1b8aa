/**
 * Matching against the real fixture data; every expectation below was derived
 * by hand from the named records in test/fixtures/osv.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Finding, Package, PackageKind } from '../types.js';
import { importSources } from '../vulndb/import.js';
import { openVulnDb, type VulnDb } from '../vulndb/vulndb.js';
import { matchPackages } from './match-packages.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/osv/', import.meta.url));
const SOURCES = ['Debian', 'Alpine-v3.10/all.zip', 'Alpine-v3.11/all.zip', 'PyPI/all.zip', 'Go/all.zip', 'npm'].map((s) => join(FIXTURES, s));

const PURL_TYPE: Record<PackageKind, string> = { deb: 'deb', apk: 'apk', rpm: 'rpm', npm: 'npm', pypi: 'pypi', golang: 'golang', maven: 'maven' };
function pkg(kind: PackageKind, ecosystem: string, name: string, version: string, extra: Partial<Package> = {}): Package {
  return { kind, ecosystem, name, version, purl: `pkg:${PURL_TYPE[kind]}/${name}@${version}`, path: 'some/db', ...extra };
}
const idsOf = (findings: Finding[]): string[] => findings.map((f) => f.id);

describe('matchPackages on the real fixture data', () => {
  const work = mkdtempSync(join(tmpdir(), 'match-'));
  let db: VulnDb;
  before(async () => {
    await importSources(work, SOURCES);
    db = openVulnDb(work);
  });
  after(() => {
    db.close();
    rmSync(work, { recursive: true, force: true });
  });
  const match = (...packages: Package[]): Finding[] => matchPackages(db, packages);

  it('Alpine: libssl1.1 is matched through its origin openssl, per release', () => {
    const libssl = pkg('apk', 'Alpine:v3.11', 'libssl1.1', '1.1.1d-r2', { source: 'openssl', layer: 'sha256:abc', path: 'lib/apk/db/installed' });
    // Alpine-v3.11 ALPINE-CVE-2019-1551: openssl introduced 0, fixed 1.1.1d-r3 (the others are fixed by 1.1.1d-r1)
    assert.deepEqual(match(libssl), [
      {
        id: 'CVE-2019-1551',
        aliases: ['ALPINE-CVE-2019-1551'],
        package: 'libssl1.1',
        version: '1.1.1d-r2',
        ecosystem: 'Alpine:v3.11',
        advisoryPackage: 'openssl',
        fixedVersion: '1.1.1d-r3',
        severity: 'unknown',
        layer: 'sha256:abc',
        path: 'lib/apk/db/installed',
      },
    ]);
    // 1.1.1d-r0 is fixed for CVE-2019-1547/1549/1563 in v3.10, not in v3.11 (fixed 1.1.1d-r1 there)
    const r0 = (eco: string) => match(pkg('apk', eco, 'openssl', '1.1.1d-r0'));
    assert.deepEqual(idsOf(r0('Alpine:v3.10')), []);
    assert.deepEqual(
      r0('Alpine:v3.11').map((f) => [f.id, f.fixedVersion]),
      [['CVE-2019-1547', '1.1.1d-r1'], ['CVE-2019-1549', '1.1.1d-r1'], ['CVE-2019-1551', '1.1.1d-r3'], ['CVE-2019-1563', '1.1.1d-r1']],
    );
    assert.deepEqual(idsOf(match(pkg('apk', 'Alpine:v3.19', 'openssl', '1.0.0-r0'))), []); // no records for that release
  });

  it('Debian: zlib1g is matched through its source zlib, comparing the source version', () => {
    // DEBIAN-CVE-2018-25032 fixed 1:1.2.11.dfsg-4 (not affected at -4); DEBIAN-CVE-2022-37434 fixed 1:1.2.11.dfsg-4.1
    const zlib1g = pkg('deb', 'Debian:12', 'zlib1g', '1:1.2.11.dfsg-4+b1', { source: 'zlib', sourceVersion: '1:1.2.11.dfsg-4' });
    const findings = match(zlib1g);
    assert.deepEqual(
      findings.map((f) => [f.id, f.aliases, f.package, f.version, f.advisoryPackage, f.fixedVersion]),
      [['CVE-2022-37434', ['DEBIAN-CVE-2022-37434'], 'zlib1g', '1:1.2.11.dfsg-4+b1', 'zlib', '1:1.2.11.dfsg-4.1']],
    );
    assert.equal(findings[0]!.summary, 'CVE-2022-37434 in zlib');
    // tar's records are fixed in 1.34+dfsg-1.2+deb12u1: a binary at that version built from an older source is still affected
    const tar = pkg('deb', 'Debian:12', 'tar', '1.34+dfsg-1.2+deb12u1', { sourceVersion: '1.34+dfsg-1.2' });
    assert.deepEqual(idsOf(match(tar)), ['CVE-2022-48303', 'CVE-2023-39804']);
    // gzip (binary = source): only DEBIAN-CVE-2022-1271 (fixed 1.12-1) is above 1.10-4
    assert.deepEqual(idsOf(match(pkg('deb', 'Debian:12', 'gzip', '1.10-4'))), ['CVE-2022-1271']);
    assert.deepEqual(idsOf(match(pkg('deb', 'Debian:11', 'gzip', '1.10-4'))), []);
  });

  it('PyPI: a non-normalised name finds PYSEC-2020-341 ("jw.util"); aliases merge, the CVE leads', () => {
    assert.deepEqual(match(pkg('pypi', 'PyPI', 'JW_Util', '2.2')), [
      {
        id: 'CVE-2020-13388',
        aliases: ['GHSA-h72c-w3q3-55qq', 'PYSEC-2020-341'],
        package: 'JW_Util',
        version: '2.2',
        ecosystem: 'PyPI',
        advisoryPackage: 'jw.util',
        fixedVersion: '2.3',
        severity: 'unknown',
        path: 'some/db',
      },
    ]);
    assert.deepEqual(idsOf(match(pkg('pypi', 'PyPI', 'jw-util', '2.3'))), []);
  });

  it('npm: "axios" finds GHSA-8hc4-vh64-cxmj, which names "Axios"', () => {
    const [axios] = match(pkg('npm', 'npm', 'axios', '1.7.3'));
    assert.deepEqual(axios, {
      id: 'CVE-2024-39338',
      aliases: ['GHSA-8hc4-vh64-cxmj'],
      package: 'axios',
      version: '1.7.3',
      ecosystem: 'npm',
      advisoryPackage: 'Axios',
      fixedVersion: '1.7.4',
      severity: 'high',
      summary: 'Server-Side Request Forgery in axios',
      path: 'some/db',
    });
    // 1.5.0 is also inside GHSA-wf5p-g6vw-rhxx (0.8.1 → 1.6.0, MODERATE); findings sort by severity
    const older = match(pkg('npm', 'npm', 'axios', '1.5.0'));
    assert.deepEqual(older.map((f) => [f.id, f.severity, f.fixedVersion]), [['CVE-2024-39338', 'high', '1.7.4'], ['CVE-2023-45857', 'medium', '1.6.0']]);
  });

  it('npm: CVSS vectors are scored (GHSA-xvch-5gv4-984h, minimist, 9.8)', () => {
    const [f, ...rest] = match(pkg('npm', 'npm', 'minimist', '1.2.5'));
    assert.equal(rest.length, 0); // GHSA-vh95-rmgr-6w4m stops at 1.2.3
    assert.deepEqual([f!.id, f!.severity, f!.cvss, f!.fixedVersion], ['CVE-2021-44906', 'critical', { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 }, '1.2.6']);
  });

  it('withdrawn records are ignored (GO-2022-0617, k8s.io/kubernetes)', () => {
    const findings = match(pkg('golang', 'Go', 'k8s.io/kubernetes', 'v1.0.0'));
    assert.ok(findings.length > 0);
    for (const f of findings) assert.ok(![f.id, ...f.aliases].some((id) => id === 'GO-2022-0617' || id === 'CVE-2020-8562'));
  });

  it('last_affected: PYSEC-2022-42969 (py ≤ 1.11.0) and GHSA-29mw-wpgm-hmr9 (lodash.trim ≤ 4.5.1) have no fixed version', () => {
    assert.deepEqual(match(pkg('pypi', 'PyPI', 'py', '1.11.0')).map((f) => [f.id, f.fixedVersion]), [['CVE-2022-42969', undefined]]);
    assert.deepEqual(match(pkg('pypi', 'PyPI', 'py', '1.9.0')).map((f) => [f.id, f.fixedVersion]), [['CVE-2020-29651', '1.10.0'], ['CVE-2022-42969', undefined]]);
    assert.deepEqual(idsOf(match(pkg('npm', 'npm', 'lodash.trim', '4.5.1'))), ['CVE-2020-28500']);
    assert.deepEqual(idsOf(match(pkg('npm', 'npm', 'lodash.trim', '4.5.2'))), []);
  });

  it('versions list: PYSEC-2024-1 lists only gratient 0.5', () => {
    assert.deepEqual(match(pkg('pypi', 'PyPI', 'gratient', '0.5')).map((f) => [f.id, f.aliases, f.summary]), [['PYSEC-2024-1', [], 'gratient 0.5 contains credential harvesting code']]);
    assert.deepEqual(idsOf(match(pkg('pypi', 'PyPI', 'gratient', '0.6'))), []);
  });

  it('Go: SEMVER ranges with v-prefixed module versions and pseudo-version bounds (gin v1.5.0)', () => {
    // GO-2020-0001 fixed 1.6.0, GO-2021-0052 fixed 1.7.7, GO-2023-1737 introduced 1.3.1-0.2019… fixed 1.9.1
    assert.deepEqual(
      match(pkg('golang', 'Go', 'github.com/gin-gonic/gin', 'v1.5.0')).map((f) => [f.id, f.fixedVersion]),
      [['CVE-2020-28483', '1.7.7'], ['CVE-2020-36567', '1.6.0'], ['CVE-2023-29401', '1.9.1']],
    );
    assert.deepEqual(idsOf(match(pkg('golang', 'Go', 'github.com/gin-gonic/gin', 'v1.9.1'))), []);
  });

  it('reports ranges it cannot evaluate (no version order for the ecosystem) instead of matching them', () => {
    const problems: string[] = [];
    const findings = matchPackages(db, [pkg('apk', 'Alpine:v3.11', 'openssl', '1.1.1d-r0')], { comparerFor: () => undefined, onProblem: (m) => problems.push(m) });
    assert.deepEqual(findings, []);
    assert.equal(problems.length, 7);
    assert.match(problems[0]!, /^ALPINE-CVE-2018-0734 for Alpine:v3.11\/openssl@1.1.1d-r0: no version order for Alpine:v3.11/);
  });

  it('one finding per vulnerability per package entry; packages without records give none', () => {
    const a = pkg('npm', 'npm', 'axios', '1.7.3', { path: 'app/node_modules/axios/package.json' });
    const b = pkg('npm', 'npm', 'axios', '1.7.3', { path: 'other/node_modules/axios/package.json' });
    const findings = match(a, b, pkg('npm', 'npm', 'left-pad', '1.0.0'));
    assert.deepEqual(findings.map((f) => [f.id, f.path]), [['CVE-2024-39338', a.path], ['CVE-2024-39338', b.path]]);
  });
});
