/**
 * A real Debian bookworm image (mmdebstrap --variant=minbase, from
 * deb.debian.org, cached; see test/fixtures/scan/bookworm-image.ts) scanned by
 * the CLI against the shipped Debian records, from a registry through skopeo's
 * copy (a real client) and from an OCI layout.
 *
 * Checked against independent tools: the package list against `dpkg-query -W`
 * on the image's status file, and the findings against the records evaluated
 * with `dpkg --compare-versions` on each package's source version
 * (test/fixtures/scan/debian-oracle.ts) — nothing missed, nothing extra.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeOciLayout } from '../harness/ociImage.js';
import { startRegistry, type Registry } from '../harness/registry.js';
import { skopeoCopy } from '../harness/skopeo.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { bookwormImage, bookwormMinbase, dpkgQueryInstalled, type BookwormBuild, type DpkgQueryPackage } from '../fixtures/scan/bookworm-image.js';
import { expectedDebianFindings, loadDebianRecords } from '../fixtures/scan/debian-oracle.js';
import { importFixtures, portcullis } from '../fixtures/scan/run-portcullis.js';
import type { Report } from '../../src/scan/types.js';

const built = await bookwormMinbase();
const skip = 'skip' in built ? built.skip : false;
if (skip) process.stderr.write(`scan-bookworm: skipped: ${skip}\n`);

describe('scan: a real Debian bookworm minbase image against the Debian records', { skip }, () => {
  let dir: TempDir;
  let registry: Registry;
  let db: string;
  let layout: string;
  let installed: DpkgQueryPackage[];
  let report: Report;

  before(async () => {
    const build = built as BookwormBuild;
    dir = await makeTempDir('scan-bookworm');
    db = dir.join('db');
    layout = dir.join('layout');
    await writeOciLayout(layout, await bookwormImage(build), 'bookworm');
    installed = await dpkgQueryInstalled(build.rootfsTar, dir.join('rootfs'));
    await importFixtures(db, ['Debian']);
    const result = await portcullis(['scan', `oci:${layout}:bookworm`, '--db', db, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    report = result.json<Report>();
  });
  after(async () => {
    await registry?.stop();
    await dir?.stop();
  });

  it('detects Debian 12 and exactly the packages dpkg-query lists, with their source packages', () => {
    assert.equal(report.os?.family, 'debian');
    assert.equal(report.os?.version, '12');
    assert.ok(installed.length > 80, `dpkg-query listed ${installed.length} packages`);
    const fromDpkg = installed.map((p) => `${p.name} ${p.version} ${p.source} ${p.sourceVersion}`).sort();
    const fromScan = report.packages.map((p) => `${p.name} ${p.version} ${p.source ?? p.name} ${p.sourceVersion ?? p.version}`).sort();
    assert.deepEqual(fromScan, fromDpkg);
    assert.ok(report.packages.every((p) => p.ecosystem === 'Debian:12' && p.path === 'var/lib/dpkg/status' && p.purl.startsWith('pkg:deb/debian/')));
  });

  it('finds exactly what the records imply (dpkg --compare-versions oracle on source versions)', () => {
    const expected = expectedDebianFindings(installed, loadDebianRecords(), 'Debian:12');
    const actual = report.vulnerabilities.map((f) => `${f.id} | ${f.package} | ${f.version} | ${f.fixedVersion ?? '-'}`).sort();
    assert.deepEqual(actual, expected);
    process.stderr.write(`scan-bookworm: ${installed.length} packages, ${expected.length} findings expected and found\n`);
    for (const f of report.vulnerabilities) assert.deepEqual(f.aliases, [`DEBIAN-${f.id}`]);
  });

  it('scans the same image pushed to a registry by skopeo to the same result', async () => {
    registry = await startRegistry();
    const copy = await skopeoCopy(`oci:${layout}:bookworm`, `docker://${registry.hostPort}/debian/bookworm:minbase`, { destTlsVerify: false });
    assert.equal(copy.code, 0, copy.stderr);
    const result = await portcullis(['scan', `${registry.hostPort}/debian/bookworm:minbase`, '--insecure', '--db', db, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const fromRegistry = result.json<Report>();
    assert.deepEqual(fromRegistry.packages, report.packages);
    assert.deepEqual(fromRegistry.vulnerabilities, report.vulnerabilities);
  });
});
