import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dpkgCataloger, isInstalled, isStatusDFile, parseSourceField } from './dpkg.js';
import { fixture, recordingContext, txtarFiles } from './test-fixtures.js';

function parse(path: string, bytes: Buffer) {
  const ctx = recordingContext();
  const output = dpkgCataloger.parse(path, bytes, ctx);
  return { packages: output.packages ?? [], warnings: ctx.warnings };
}

describe('dpkg cataloger', () => {
  it('wants the status file and status.d control files, not md5sums', () => {
    assert.equal(dpkgCataloger.wants('var/lib/dpkg/status', 100, 0o644), true);
    assert.equal(dpkgCataloger.wants('var/lib/dpkg/status.d/base', 100, 0o644), true);
    assert.equal(dpkgCataloger.wants('var/lib/dpkg/status.d/base.md5sums', 100, 0o644), false);
    assert.equal(dpkgCataloger.wants('var/lib/dpkg/status-old', 100, 0o644), false);
    assert.equal(dpkgCataloger.wants('var/lib/dpkg/status.d/sub/x', 100, 0o644), false);
    assert.equal(isStatusDFile('var/lib/dpkg/status.d/'), false);
  });

  it('reads the Trivy Ubuntu status file: 90 installed of 91 paragraphs', () => {
    const status = txtarFiles(fixture('dpkg/trivy-valid.txtar').toString('utf8')).get('var/lib/dpkg/status');
    assert.ok(status);
    const { packages } = parse('var/lib/dpkg/status', Buffer.from(status));
    assert.equal(packages.length, 90);
    const libc = packages.find((p) => p.name === 'libc6');
    assert.deepEqual(libc, { name: 'libc6', version: '2.27-3ubuntu1', kind: 'deb', source: 'glibc', sourceVersion: '2.27-3ubuntu1', arch: 'amd64' });
    const fdisk = packages.find((p) => p.name === 'fdisk');
    assert.equal(fdisk?.source, 'util-linux');
    const withSourceVersion = packages.find((p) => p.source === 'xz-utils');
    assert.equal(withSourceVersion?.sourceVersion, '5.1.1alpha+20120614-2');
    assert.notEqual(withSourceVersion?.version, withSourceVersion?.sourceVersion);
  });

  it('decides on the state word of Status (osv-scalibr statusfield)', () => {
    const { packages } = parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/statusfield'));
    assert.deepEqual(packages.map((p) => p.name).sort(), ['wantdeinstall_installed', 'wantinstall_installed', 'wantnostatus', 'wantpurge_installed']);
  });

  it('keeps transitional packages with their source (osv-scalibr)', () => {
    const { packages } = parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/transitional'));
    assert.deepEqual(packages, [{ name: 'iceweasel', version: '78.13.0esr-1~deb10u1', kind: 'deb', source: 'firefox-esr', sourceVersion: '78.13.0esr-1~deb10u1', arch: 'all' }]);
    const dummy = parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/transitional_dummy')).packages;
    assert.deepEqual(dummy.map((p) => [p.name, p.version, p.source]), [['git-core', '1:2.14.2-1', 'git']]);
  });

  it('skips paragraphs without Package or Version, and reports junk lines', () => {
    assert.deepEqual(parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/noversion')).packages.map((p) => p.name), ['foo', 'bar']);
    assert.deepEqual(parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/nopackage')).packages.map((p) => p.name), ['foo', 'bar']);
    const invalid = parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/invalid'));
    assert.deepEqual(invalid.packages, []);
    assert.equal(invalid.warnings.length, 1);
    assert.deepEqual(parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/empty')).packages, []);
    assert.equal(parse('var/lib/dpkg/status', fixture('dpkg/osv-scalibr/trailingnewlines')).packages.length, 1);
  });

  it('reads distroless status.d files, which have no Status field', () => {
    const foo = parse('var/lib/dpkg/status.d/foo', fixture('dpkg/osv-scalibr/status.d/foo')).packages;
    assert.deepEqual(foo, [{ name: 'foo', version: '1.2.3', kind: 'deb', source: 'foo', sourceVersion: '1.2.3', arch: 'amd64' }]);
    const multiple = parse('var/lib/dpkg/status.d/multiple', fixture('dpkg/syft-status.d/multiple')).packages;
    assert.deepEqual(multiple.map((p) => [p.name, p.version, p.source]), [
      ['tzdata', '2020a-0+deb10u1', 'tzdata-dev'],
      ['util-linux', '2.33.1-0.1', 'util-linux'],
    ]);
    const deinstall = parse('var/lib/dpkg/status.d/x', fixture('dpkg/syft-status.d/deinstall')).packages;
    assert.deepEqual(deinstall.map((p) => p.name), ['linux-image-6.14.0-1012-aws']);
    const single = parse('var/lib/dpkg/status.d/apt', fixture('dpkg/syft-status.d/single')).packages;
    assert.deepEqual(single.map((p) => [p.name, p.source, p.sourceVersion]), [['apt', 'apt-dev', '1.8.2']]);
  });

  it('parses Source with and without a version', () => {
    assert.deepEqual(parseSourceField('glibc (2.36-9+deb12u4)', '2.36-9+deb12u7'), { name: 'glibc', version: '2.36-9+deb12u4' });
    assert.deepEqual(parseSourceField('glibc', '2.36-9'), { name: 'glibc', version: '2.36-9' });
    assert.deepEqual(parseSourceField(undefined, '1.0'), { version: '1.0' });
    assert.equal(isInstalled('hold ok installed'), true);
    assert.equal(isInstalled('install ok config-files'), false);
    assert.equal(isInstalled('install ok half-installed'), false);
  });
});
