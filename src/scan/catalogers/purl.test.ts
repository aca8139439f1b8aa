import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePypiName, purlFor } from './purl.js';

describe('purlFor', () => {
  const debian12 = { family: 'debian', version: '12' };
  it('builds deb purls with arch and distro, encoding + and :', () => {
    assert.equal(purlFor({ name: 'libc6', version: '2.36-9+deb12u4', kind: 'deb', arch: 'amd64' }, debian12), 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12');
    assert.equal(purlFor({ name: 'git', version: '1:2.39.2-1.1', kind: 'deb', arch: 'amd64' }, { family: 'ubuntu', version: '22.04' }), 'pkg:deb/ubuntu/git@1%3A2.39.2-1.1?arch=amd64&distro=ubuntu-22.04');
  });
  it('builds apk, npm, pypi, golang and rpm purls', () => {
    assert.equal(purlFor({ name: 'musl', version: '1.1.24-r2', kind: 'apk', arch: 'x86_64' }, { family: 'alpine', version: '3.11.5' }), 'pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64');
    assert.equal(purlFor({ name: '@sigstore/bundle', version: '4.0.0', kind: 'npm' }, undefined), 'pkg:npm/%40sigstore/bundle@4.0.0');
    assert.equal(purlFor({ name: 'tar-stream', version: '3.2.2', kind: 'npm' }, undefined), 'pkg:npm/tar-stream@3.2.2');
    assert.equal(purlFor({ name: 'PyYAML', version: '6.0', kind: 'pypi' }, undefined), 'pkg:pypi/pyyaml@6.0');
    assert.equal(purlFor({ name: 'golang.org/x/text', version: '0.3.8', kind: 'golang' }, undefined), 'pkg:golang/golang.org/x/text@v0.3.8');
    assert.equal(purlFor({ name: 'stdlib', version: '1.19.8', kind: 'golang' }, undefined), 'pkg:golang/stdlib@1.19.8');
    assert.equal(
      purlFor({ name: 'bash', version: '1:5.1.8-6.el9', kind: 'rpm', arch: 'x86_64', epoch: 1 }, { family: 'almalinux', version: '9.3' }),
      'pkg:rpm/almalinux/bash@5.1.8-6.el9?arch=x86_64&distro=almalinux-9.3&epoch=1',
    );
  });
  it('normalises PyPI names per PEP 503', () => {
    assert.equal(normalizePypiName('Zope.Interface'), 'zope-interface');
    assert.equal(normalizePypiName('typing__extensions'), 'typing-extensions');
    assert.equal(normalizePypiName('PyJWT'), 'pyjwt');
  });
});
