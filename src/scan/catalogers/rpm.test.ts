import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBdbHeaderBlobs } from './rpm-bdb.js';
import { packageFromHeader, parseSourceRpm } from './rpm-header.js';
import { rpmCataloger } from './rpm.js';
import { fixture, recordingContext } from './test-fixtures.js';

const DIVE = { name: 'dive', version: '0.9.2-1', kind: 'rpm', source: 'dive', sourceVersion: '0.9.2-1', arch: 'x86_64' };

describe('rpm cataloger', () => {
  it('wants the sqlite and Berkeley DB databases in the rpm folders', () => {
    const wants = (path: string) => rpmCataloger.wants(path, 100, 0o644);
    assert.equal(wants('var/lib/rpm/rpmdb.sqlite'), true);
    assert.equal(wants('usr/lib/sysimage/rpm/rpmdb.sqlite'), true);
    assert.equal(wants('var/lib/rpm/Packages'), true);
    assert.equal(wants('var/lib/rpm/Packages.db'), false);
    assert.equal(wants('var/lib/rpm/rpmdb.sqlite-wal'), false);
  });

  it('reads the Berkeley DB Packages fixture (syft)', () => {
    assert.equal(readBdbHeaderBlobs(fixture('rpm/syft-Packages')).length, 1);
    assert.deepEqual(rpmCataloger.parse('var/lib/rpm/Packages', fixture('rpm/syft-Packages'), recordingContext()).packages, [DIVE]);
  });

  it('reads an rpmdb.sqlite left in WAL mode, from memory', () => {
    assert.deepEqual(rpmCataloger.parse('var/lib/rpm/rpmdb.sqlite', fixture('rpm/rpmdb.sqlite'), recordingContext()).packages, [DIVE]);
  });

  it('rejects files that are not databases', () => {
    assert.throws(() => rpmCataloger.parse('var/lib/rpm/rpmdb.sqlite', Buffer.alloc(200), recordingContext()), /SQLite/);
    assert.throws(() => rpmCataloger.parse('var/lib/rpm/Packages', Buffer.alloc(4096), recordingContext()), /Berkeley/);
  });

  it('bounds-checks header blobs', () => {
    const [blob] = readBdbHeaderBlobs(fixture('rpm/syft-Packages'));
    assert.ok(blob);
    assert.throws(() => packageFromHeader(blob.subarray(0, 100)), /truncated/);
    const corrupt = Buffer.from(blob);
    corrupt.writeUInt32BE(0xffffffff, 4);
    assert.throws(() => packageFromHeader(corrupt), /bad sizes/);
  });

  it('parses SOURCERPM names', () => {
    assert.deepEqual(parseSourceRpm('openssl-3.0.7-24.el9.src.rpm'), { name: 'openssl', versionRelease: '3.0.7-24.el9' });
    assert.deepEqual(parseSourceRpm('python3-pip-21.3.1-1.fc36.nosrc.rpm'), { name: 'python3-pip', versionRelease: '21.3.1-1.fc36' });
    assert.equal(parseSourceRpm('(none)'), undefined);
  });
});
