import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apkCataloger } from './apk.js';
import { fixture, recordingContext } from './test-fixtures.js';

function parse(bytes: Buffer) {
  const ctx = recordingContext();
  const output = apkCataloger.parse('lib/apk/db/installed', bytes, ctx);
  return { packages: output.packages ?? [], warnings: ctx.warnings };
}

describe('apk cataloger', () => {
  it('wants only lib/apk/db/installed', () => {
    assert.equal(apkCataloger.wants('lib/apk/db/installed', 10, 0o644), true);
    assert.equal(apkCataloger.wants('lib/apk/db/installed.bak', 10, 0o644), false);
    assert.equal(apkCataloger.wants('usr/lib/apk/db/installed', 10, 0o644), false);
  });

  it('reads the Trivy database: packages with versions, origin as source', () => {
    const { packages } = parse(fixture('apk/trivy-installed'));
    assert.equal(packages.length, 15, 'the block without V: is skipped');
    assert.deepEqual(packages[0], { name: 'musl', version: '1.1.14-r10', kind: 'apk', source: 'musl', sourceVersion: '1.1.14-r10', arch: 'x86_64' });
    assert.equal(packages.find((p) => p.name === 'libssl1.0')?.source, 'openssl');
    assert.equal(packages.find((p) => p.name === 'test')?.version, '2.9.11_pre20061021-r2');
    assert.equal(packages.find((p) => p.name === 'test')?.source, 'test-parent');
    assert.ok(!packages.some((p) => p.name === 'invalidPackageWithoutAVersion'));
  });

  it('reads the osv-scalibr and syft databases', () => {
    assert.equal(parse(fixture('apk/osv-scalibr/installed')).packages.length, 15);
    assert.equal(parse(fixture('apk/syft-installed-multiple-2')).packages.length, 14);
    const [single] = parse(fixture('apk/osv-scalibr/single')).packages;
    assert.deepEqual(single, { name: 'alpine-baselayout-data', version: '3.4.3-r1', kind: 'apk', source: 'alpine-baselayout', sourceVersion: '3.4.3-r1', arch: 'x86_64' });
    assert.equal(parse(fixture('apk/osv-scalibr/different-arch')).packages[0]?.arch, 'noarch');
  });

  it('uses the package name as source when o: is missing', () => {
    const [pkg] = parse(fixture('apk/osv-scalibr/no-origin')).packages;
    assert.equal(pkg?.source, 'pkgname');
  });

  it('reports junk and returns nothing for invalid or empty files', () => {
    const invalid = parse(fixture('apk/osv-scalibr/invalid'));
    assert.deepEqual(invalid.packages, []);
    assert.equal(invalid.warnings.length, 1);
    assert.deepEqual(parse(fixture('apk/osv-scalibr/empty')).packages, []);
  });
});
