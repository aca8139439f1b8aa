/**
 * `portcullis scan` of gcr.io/distroless/static-debian11 (its real root
 * filesystem as one layer) against the shipped Debian records.
 *
 * What the right answer is: the image is Debian 11 (bullseye) — os-release
 * VERSION_ID="11" — so its packages are in ecosystem `Debian:11`. All 409
 * shipped records are `Debian:12` (bookworm): their fixed versions are
 * bookworm versions and say nothing about bullseye, so none may apply. The
 * three packages (base-files 11.1+deb11u1, netbase 6.3, tzdata 2021a-1+deb11u2;
 * dpkg status.d, no Source: fields) are not named by any record either.
 * Expected: exactly these 3 packages and no finding.
 *
 * To show the release gate is what keeps the answer empty, a derived image adds
 * bullseye's libssl1.1 (source openssl 1.1.1n-0+deb11u5, below 79 of the 84 bookworm
 * openssl fixes): still no finding as Debian 11; and as a control, the same
 * image with an upper layer declaring VERSION_ID="12" gets exactly the openssl
 * findings the `dpkg --compare-versions` oracle derives from the records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { makeImage, makeLayer, writeOciLayout } from '../harness/ociImage.js';
import { distrolessImage } from '../fixtures/scan/scan-images.js';
import { expectedDebianFindings, loadDebianRecords, type DebRecord } from '../fixtures/scan/debian-oracle.js';
import { importFixtures, portcullis } from '../fixtures/scan/run-portcullis.js';
import type { Report } from '../../src/scan/types.js';

const LIBSSL = { name: 'libssl1.1', version: '1.1.1n-0+deb11u5', source: 'openssl', sourceVersion: '1.1.1n-0+deb11u5' };
const BOOKWORM_OS_RELEASE = 'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\n';

const findingLines = (r: Report) => r.vulnerabilities.map((f) => `${f.id} | ${f.package} | ${f.version} | ${f.fixedVersion ?? '-'}`).sort();

describe('scan: distroless static-debian11 against the Debian 12 records', () => {
  let dir: TempDir;
  let db: string;
  let layout: string;
  let records: DebRecord[];

  before(async () => {
    dir = await makeTempDir('scan-distroless');
    db = dir.join('db');
    layout = dir.join('layout');
    records = loadDebianRecords();
    const plain = await distrolessImage();
    const withLibssl = await distrolessImage({ withLibssl: true });
    const asBookworm = await makeImage({ layers: [...(withLibssl.layers as Parameters<typeof makeImage>[0]['layers']), await makeLayer({ 'usr/lib/os-release': BOOKWORM_OS_RELEASE })] });
    await writeOciLayout(layout, plain, 'plain');
    await writeOciLayout(layout, withLibssl, 'with-libssl');
    await writeOciLayout(layout, asBookworm, 'claims-bookworm');
    await importFixtures(db, ['Debian']);
  });
  after(() => dir?.stop());

  it('the fixture records are all Debian:12', () => {
    assert.equal(records.length, 409);
    assert.ok(records.every((r) => r.affected.every((a) => a.package.ecosystem === 'Debian:12')));
  });

  it('finds exactly base-files, netbase and tzdata as Debian:11 (distroless), and no finding', async () => {
    const result = await portcullis(['scan', `oci:${layout}:plain`, '--db', db, '--format', 'json', '--fail-on', 'unknown']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<Report>();
    assert.deepEqual(report.os, { family: 'debian', version: '11', name: 'Distroless', distroless: true });
    assert.deepEqual(
      report.packages.map((p) => `${p.name} ${p.version} ${p.ecosystem} ${p.path}`),
      [
        'base-files 11.1+deb11u1 Debian:11 var/lib/dpkg/status.d/base',
        'netbase 6.3 Debian:11 var/lib/dpkg/status.d/netbase',
        'tzdata 2021a-1+deb11u2 Debian:11 var/lib/dpkg/status.d/tzdata',
      ],
    );
    assert.deepEqual(report.vulnerabilities, []);
    const named = new Set(records.flatMap((r) => r.affected.map((a) => a.package.name)));
    assert.ok(!['base-files', 'netbase', 'tzdata'].some((n) => named.has(n)), 'no record names these source packages');
  });

  it('bookworm records never apply to a bullseye package, even one below bookworm’s fixes', async () => {
    const wouldMatchIgnoringRelease = expectedDebianFindings([LIBSSL], records, 'Debian:12');
    // 79 of the 84 openssl records (all but CVE-2019-1547/1549/1551/1563 and CVE-2020-1967, fixed in 1.1.1d–1.1.1g)
    assert.equal(wouldMatchIgnoringRelease.length, 79, 'openssl records that would match if the release were ignored');
    const report = (await portcullis(['scan', `oci:${layout}:with-libssl`, '--db', db, '--format', 'json'])).json<Report>();
    assert.ok(report.packages.some((p) => p.name === 'libssl1.1' && p.source === 'openssl' && p.ecosystem === 'Debian:11'));
    assert.deepEqual(report.vulnerabilities, []);
    assert.deepEqual(expectedDebianFindings([LIBSSL], records, 'Debian:11'), []);
  });

  it('control: the same package in an image that says Debian 12 gets exactly the oracle’s findings', async () => {
    const result = await portcullis(['scan', `oci:${layout}:claims-bookworm`, '--db', db, '--format', 'json', '--fail-on', 'low']);
    const report = result.json<Report>();
    assert.equal(report.os?.version, '12');
    assert.deepEqual(findingLines(report), expectedDebianFindings([LIBSSL], records, 'Debian:12'));
    assert.equal(report.vulnerabilities.length, 79);
    assert.ok(report.vulnerabilities.every((f) => f.advisoryPackage === 'openssl' && f.aliases.length === 1 && f.aliases[0] === `DEBIAN-${f.id}`));
    assert.equal(result.code, 1, 'unknown severities rank as medium, at or above low');
  });
});
