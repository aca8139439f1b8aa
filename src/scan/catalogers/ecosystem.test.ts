import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecosystemFor } from './ecosystem.js';

describe('ecosystemFor', () => {
  it('maps OS packages to scoped OSV ecosystems', () => {
    assert.equal(ecosystemFor('deb', { family: 'debian', version: '12' }), 'Debian:12');
    assert.equal(ecosystemFor('deb', { family: 'debian', version: '12.5' }), 'Debian:12');
    assert.equal(ecosystemFor('deb', { family: 'debian', version: '11', distroless: true }), 'Debian:11');
    assert.equal(ecosystemFor('deb', { family: 'ubuntu', version: '22.04', name: 'Ubuntu 22.04.3 LTS' }), 'Ubuntu:22.04:LTS');
    assert.equal(ecosystemFor('deb', { family: 'ubuntu', version: '23.10', name: 'Ubuntu 23.10' }), 'Ubuntu:23.10');
    assert.equal(ecosystemFor('apk', { family: 'alpine', version: '3.19.1' }), 'Alpine:v3.19');
    assert.equal(ecosystemFor('apk', { family: 'alpine', version: '3.11.5' }), 'Alpine:v3.11');
    assert.equal(ecosystemFor('apk', { family: 'wolfi', version: '20230201' }), 'Wolfi');
    assert.equal(ecosystemFor('apk', { family: 'chainguard', version: '20230214' }), 'Chainguard');
    assert.equal(ecosystemFor('rpm', { family: 'almalinux', version: '9.3' }), 'AlmaLinux:9');
    assert.equal(ecosystemFor('rpm', { family: 'rocky', version: '8.9' }), 'Rocky Linux:8');
  });

  it('maps language packages regardless of the OS', () => {
    assert.equal(ecosystemFor('npm', undefined), 'npm');
    assert.equal(ecosystemFor('pypi', { family: 'alpine', version: '3.19' }), 'PyPI');
    assert.equal(ecosystemFor('golang', undefined), 'Go');
  });

  it('returns "" when no ecosystem is known', () => {
    assert.equal(ecosystemFor('deb', undefined), '');
    assert.equal(ecosystemFor('apk', { family: 'debian', version: '12' }), '');
    assert.equal(ecosystemFor('rpm', { family: 'rhel', version: '9.3' }), '');
  });
});
