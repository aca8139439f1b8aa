/**
 * `portcullis scan` of the real alpine:3.11.5 `docker save` and of a derived
 * image against the shipped Alpine v3.10 + v3.11 OSV records, through the CLI.
 *
 * Records of the installed origins in Alpine:v3.11 (all `introduced: 0`):
 *   musl      CVE-2016-8859 fixed 1.1.15-r4, CVE-2019-14697 fixed 1.1.23-r2
 *   busybox   CVE-2017-15873/15874/16544 fixed 1.27.2-r4, CVE-2018-20679 fixed 1.29.3-r10,
 *             CVE-2019-5747 two entries: fixed 1.30.1-r2 and fixed 1.29.3-r10
 *   openssl   CVE-2018-0734/0735 fixed 1.1.1a-r0, CVE-2019-1543 fixed 1.1.1b-r1,
 *             CVE-2019-1547/1549/1563 fixed 1.1.1d-r1, CVE-2019-1551 fixed 1.1.1d-r3
 *   (no records for alpine-baselayout, alpine-keys, ca-certificates, libtls-standalone, zlib, apk-tools, pax-utils, libc-dev)
 * Real image: musl 1.1.24-r2, busybox 1.31.1-r9, openssl 1.1.1d-r3 are at or past every fix
 * (1.1.1d-r3 is exactly CVE-2019-1551's fix) → no finding.
 * Derived image (upper layer rewrites lib/apk/db/installed): libcrypto1.1/libssl1.1 1.1.1d-r0
 * (< d-r1, < d-r3; > a-r0, > b-r1) → 1547, 1549, 1551, 1563 each; musl/musl-utils 1.1.23-r1
 * (< 1.1.23-r2, > 1.1.15-r4) → 14697; busybox/ssl_client 1.30.1-r1 (< 1.30.1-r2 of the first
 * entry, > 1.29.3-r10 and 1.27.2-r4) → 5747 fixed in 1.30.1-r2. 12 findings; the records carry
 * no severity → unknown. Alpine:v3.10 records must not apply to an Alpine 3.11 image.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { writeOciLayout } from '../harness/ociImage.js';
import { alpineFindingLines, alpineImages, ALPINE_311_ARCHIVE, DERIVED_ALPINE_FINDINGS, type AlpineImages } from '../fixtures/scan/scan-images.js';
import { importFixtures, portcullis, writeConfig } from '../fixtures/scan/run-portcullis.js';
import { cycloneDxProblems, sarifProblems } from '../../src/scan/report/report-shape-checks.js';
import type { Report } from '../../src/scan/types.js';

const REAL_PACKAGES = [
  'alpine-baselayout 3.2.0-r3 alpine-baselayout', 'alpine-keys 2.1-r2 alpine-keys', 'apk-tools 2.10.4-r3 apk-tools', 'busybox 1.31.1-r9 busybox',
  'ca-certificates-cacert 20191127-r1 ca-certificates', 'libc-utils 0.7.2-r0 libc-dev', 'libcrypto1.1 1.1.1d-r3 openssl', 'libssl1.1 1.1.1d-r3 openssl',
  'libtls-standalone 2.9.1-r0 libtls-standalone', 'musl 1.1.24-r2 musl', 'musl-utils 1.1.24-r2 musl', 'scanelf 1.2.4-r0 pax-utils', 'ssl_client 1.31.1-r9 busybox', 'zlib 1.2.11-r3 zlib',
];

describe('scan: alpine 3.11 against the Alpine OSV records', () => {
  let dir: TempDir;
  let images: AlpineImages;
  let db: string;
  let layout: string;

  before(async () => {
    dir = await makeTempDir('scan-alpine');
    db = dir.join('db');
    layout = dir.join('layout');
    images = await alpineImages();
    await writeOciLayout(layout, images.real, 'real');
    await writeOciLayout(layout, images.derived, 'derived');
    await importFixtures(db, ['Alpine-v3.10/all.zip', 'Alpine-v3.11/all.zip']);
  });
  after(() => dir?.stop());

  it('db status reports both releases', async () => {
    const status = await portcullis(['db', 'status', '--db', db]);
    assert.equal(status.code, 0, status.stderr);
    const json = status.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(json), ['version', 'builtAt', 'records', 'ecosystems', 'sources']);
    assert.deepEqual(json.ecosystems, { 'Alpine:v3.10': 1721, 'Alpine:v3.11': 1902 });
    assert.equal((json.sources as unknown[]).length, 2);
  });

  it('real alpine:3.11.5 (docker-archive .tar.gz): the 14 installed packages and exactly no finding', async () => {
    const result = await portcullis(['scan', `docker-archive:${ALPINE_311_ARCHIVE}`, '--db', db, '--format', 'json', '--fail-on', 'unknown']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<Report>();
    assert.deepEqual(report.os, { family: 'alpine', version: '3.11.5', name: 'Alpine Linux v3.11' });
    assert.deepEqual(report.packages.map((p) => `${p.name} ${p.version} ${p.source}`).sort(), REAL_PACKAGES);
    assert.ok(report.packages.every((p) => p.ecosystem === 'Alpine:v3.11' && p.path === 'lib/apk/db/installed'));
    assert.deepEqual(report.vulnerabilities, []);
    assert.equal(report.target, `docker-archive:${ALPINE_311_ARCHIVE}`);
  });

  it('derived image (older openssl, musl, busybox in an upper layer): exactly the 12 findings derived from the records', async () => {
    const result = await portcullis(['scan', `oci:${layout}:derived`, '--db', db, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<Report>();
    assert.deepEqual(alpineFindingLines(report), DERIVED_ALPINE_FINDINGS);
    for (const f of report.vulnerabilities) {
      assert.deepEqual(f.aliases, [`ALPINE-${f.id}`]);
      assert.equal(f.severity, 'unknown');
      assert.equal(f.ecosystem, 'Alpine:v3.11');
      assert.equal(f.layer, images.derived.layers[1]!.digest, `${f.package} was introduced by the upper layer`);
      assert.equal(f.path, 'lib/apk/db/installed');
    }
    const zlib = report.packages.find((p) => p.name === 'zlib')!;
    assert.equal(zlib.layer, images.derived.layers[0]!.digest, 'unchanged packages keep the base layer');
    assert.equal(report.digest, images.derived.digest);
  });

  it('--fail-on: unknown severity ranks as policy.unknownSeverity (default medium)', async () => {
    const target = `oci:${layout}:derived`;
    const config = await writeConfig(dir.join('high-unknown.yaml'), 'policy:\n  unknownSeverity: high\n');
    const cases: [string[], number][] = [
      [['--fail-on', 'medium'], 1],
      [['--fail-on', 'high'], 0],
      [['--fail-on', 'none'], 0],
      [['--fail-on', 'unknown'], 1],
      [['--fail-on', 'high', '--config', config], 1],
      [['--fail-on', 'critical', '--config', config], 0],
    ];
    for (const [args, code] of cases) {
      const result = await portcullis(['scan', target, '--db', db, '--format', 'json', ...args]);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.json<Report>().vulnerabilities.length, 12);
      if (code === 1) assert.match(result.stderr, /12 finding\(s\) at or above --fail-on/);
    }
  });

  it('--format table: grouped by severity, 80 columns, no colour off a TTY', async () => {
    const result = await portcullis(['scan', `oci:${layout}:derived`, '--db', db]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.ok(lines.every((l) => [...l].length <= 80), result.stdout);
    assert.ok(lines.includes('UNKNOWN (12)'));
    assert.ok(lines.some((l) => /^ {2}libssl1\.1 \(openssl\)\s+1\.1\.1d-r0\s+1\.1\.1d-r3\s+CVE-2019-1551$/.test(l)), result.stdout);
    assert.ok(lines.includes('12 vulnerabilities: 12 unknown (14 packages).'), result.stdout);
    assert.doesNotMatch(result.stdout, /\x1b\[/);
    const forced = await portcullis(['scan', `oci:${layout}:derived`, '--db', db], { env: { FORCE_COLOR: '1' } });
    assert.match(forced.stdout, /\x1b\[2mUNKNOWN \(12\)\x1b\[0m/);
  });

  it('--format sarif and cyclonedx: well-formed, one rule / vulnerability per id, located at the apk database', async () => {
    const sarif = (await portcullis(['scan', `oci:${layout}:derived`, '--db', db, '--format', 'sarif'])).json<ReturnType<typeof import('../../src/scan/report/index.js').toSarif>>();
    assert.deepEqual(sarifProblems(sarif), []);
    const run = sarif.runs[0]!;
    assert.deepEqual(run.tool.driver.rules.map((r) => r.id), ['CVE-2019-14697', 'CVE-2019-1547', 'CVE-2019-1549', 'CVE-2019-1551', 'CVE-2019-1563', 'CVE-2019-5747']);
    assert.equal(run.results.length, 12);
    assert.ok(run.results.every((r) => r.locations[0]!.physicalLocation.artifactLocation.uri === 'lib/apk/db/installed' && r.level === 'warning'));
    const bom = (await portcullis(['scan', `oci:${layout}:derived`, '--db', db, '--format', 'cyclonedx'])).json<ReturnType<typeof import('../../src/scan/report/index.js').toCycloneDx>>();
    assert.deepEqual(cycloneDxProblems(bom), []);
    assert.equal(bom.components.filter((c) => c.type === 'library').length, 14);
    assert.equal(bom.vulnerabilities.length, 6);
    const v1551 = bom.vulnerabilities.find((v) => v.id === 'CVE-2019-1551')!;
    assert.equal(v1551.recommendation, 'Upgrade libcrypto1.1 to 1.1.1d-r3; libssl1.1 to 1.1.1d-r3');
    assert.deepEqual(v1551.affects.map((a) => a.ref).sort(), ['pkg:apk/alpine/libcrypto1.1@1.1.1d-r0?arch=x86_64', 'pkg:apk/alpine/libssl1.1@1.1.1d-r0?arch=x86_64']);
  });

  it('errors exit 2: no database (with how to import), a bad flag, a missing tag, no target', async () => {
    const cwd = dir.join('layout');
    const missing = await portcullis(['scan', `oci:${layout}:real`], { cwd });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no vulnerability database in \.\/data\/vulndb; import one first: `portcullis db import SRC\.\.\. --db \.\/data\/vulndb`/);
    const configured = await writeConfig(dir.join('db-path.yaml'), `vulndb:\n  path: "${dir.join('nowhere')}"\n`);
    assert.match((await portcullis(['scan', `oci:${layout}:real`, '--config', configured])).stderr, new RegExp(`no vulnerability database in ${dir.join('nowhere')}`));
    const badFormat = await portcullis(['scan', `oci:${layout}:real`, '--db', db, '--format', 'xml']);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /--format must be one of table, json, sarif, cyclonedx/);
    assert.equal((await portcullis(['scan', `oci:${layout}:real`, '--db', db, '--fail-on', 'severe'])).code, 2);
    const noTag = await portcullis(['scan', `oci:${layout}:nope`, '--db', db]);
    assert.equal(noTag.code, 2);
    assert.match(noTag.stderr, /no manifest tagged "nope" \(tags: real, derived\)/);
    assert.equal((await portcullis(['scan', '--db', db])).code, 2);
  });
});
