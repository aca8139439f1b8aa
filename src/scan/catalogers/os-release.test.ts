import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CatalogedFile, CatalogerOutput, ImageView } from './cataloger.js';
import { dpkgCataloger } from './dpkg.js';
import { detectOs, osReleaseCataloger, parseOsRelease } from './os-release.js';
import { fixture, recordingContext, txtarFiles } from './test-fixtures.js';

/** An image view over files parsed by the real catalogers. */
function viewOf(files: Record<string, Buffer>): ImageView {
  const outputs = new Map<string, Record<string, CatalogerOutput>>();
  for (const [path, bytes] of Object.entries(files)) {
    const record: Record<string, CatalogerOutput> = {};
    for (const cataloger of [osReleaseCataloger, dpkgCataloger]) {
      if (cataloger.wants(path, bytes.length, 0o644)) record[cataloger.id] = cataloger.parse(path, bytes, recordingContext());
    }
    outputs.set(path, record);
  }
  return {
    outputsAt: (path) => outputs.get(path),
    filesOf: (id) =>
      [...outputs].flatMap(([path, record]): CatalogedFile[] => (record[id] ? [{ path, output: record[id] as CatalogerOutput, introducedBy: {} }] : [])),
  };
}

describe('os-release cataloger', () => {
  it('wants the os-release files and the release fallbacks', () => {
    for (const path of ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'etc/alpine-release']) {
      assert.equal(osReleaseCataloger.wants(path, 100, 0o644), true, path);
    }
    assert.equal(osReleaseCataloger.wants('etc/lsb-release', 100, 0o644), false);
    assert.equal(osReleaseCataloger.wants('constructor', 100, 0o644), false);
  });

  it('parses quoting and comments', () => {
    assert.deepEqual(parseOsRelease('# comment\nID=alpine\nPRETTY_NAME="Alpine \\"Linux\\""\nNAME=\'single quoted\'\n__proto__=x\nBAD LINE\n'), {
      ID: 'alpine',
      PRETTY_NAME: 'Alpine "Linux"',
      NAME: 'single quoted',
    });
  });

  it('detects Debian 12 and Alpine 3.11 from real files', () => {
    assert.deepEqual(detectOs(viewOf({ 'usr/lib/os-release': fixture('os-release/debian-12') })), { family: 'debian', version: '12', name: 'Debian GNU/Linux 12 (bookworm)' });
    assert.deepEqual(detectOs(viewOf({ 'etc/os-release': fixture('os-release/alpine-3.11') })), { family: 'alpine', version: '3.11.5', name: 'Alpine Linux v3.11' });
  });

  it('marks distroless images: PRETTY_NAME "Distroless" with status.d', () => {
    const view = viewOf({
      'usr/lib/os-release': fixture('os-release/distroless-static-debian11'),
      'var/lib/dpkg/status.d/foo': fixture('dpkg/osv-scalibr/status.d/foo'),
    });
    assert.deepEqual(detectOs(view), { family: 'debian', version: '11', name: 'Distroless', distroless: true });
  });

  it('falls back to status.d (base-files) when there is no os-release', () => {
    const baseFiles = Buffer.from('Package: base-files\nVersion: 11.1+deb11u1\nArchitecture: amd64\n');
    assert.deepEqual(detectOs(viewOf({ 'var/lib/dpkg/status.d/base': baseFiles })), { family: 'debian', version: '11', distroless: true });
  });

  it('falls back to etc/debian_version and etc/alpine-release', () => {
    assert.deepEqual(detectOs(viewOf({ 'etc/debian_version': Buffer.from('12.5\n') })), { family: 'debian', version: '12.5' });
    assert.deepEqual(detectOs(viewOf({ 'etc/alpine-release': Buffer.from('3.19.1\n') })), { family: 'alpine', version: '3.19.1' });
    assert.equal(detectOs(viewOf({})), undefined);
  });

  it('is not fooled by an Ubuntu status file into distroless', () => {
    const status = txtarFiles(fixture('dpkg/trivy-valid.txtar').toString('utf8')).get('var/lib/dpkg/status') as string;
    const ubuntu = Buffer.from('NAME="Ubuntu"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n');
    const os = detectOs(viewOf({ 'etc/os-release': ubuntu, 'var/lib/dpkg/status': Buffer.from(status) }));
    assert.deepEqual(os, { family: 'ubuntu', version: '22.04', name: 'Ubuntu 22.04.3 LTS' });
  });
});
