import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWithin, normalizePath, whiteoutMarker } from './paths.js';

describe('image paths', () => {
  it('normalises tar names: ./ prefixes, absolute paths, dots, trailing slashes', () => {
    assert.deepEqual(normalizePath('./etc/os-release'), { path: 'etc/os-release', escaped: false });
    assert.deepEqual(normalizePath('/usr/share/doc/a/copyright'), { path: 'usr/share/doc/a/copyright', escaped: false });
    assert.deepEqual(normalizePath('usr//lib/./x/../os-release'), { path: 'usr/lib/os-release', escaped: false });
    assert.deepEqual(normalizePath('trampoline/'), { path: 'trampoline', escaped: false });
    assert.deepEqual(normalizePath('./'), { path: '', escaped: false });
  });

  it('clamps .. at the root and says so', () => {
    assert.deepEqual(normalizePath('../../etc/passwd'), { path: 'etc/passwd', escaped: true });
    assert.deepEqual(normalizePath('a/../../b'), { path: 'b', escaped: true });
    assert.deepEqual(normalizePath('a/b/../c'), { path: 'a/c', escaped: false });
  });

  it('classifies whiteout markers', () => {
    assert.deepEqual(whiteoutMarker('etc/.wh.os-release'), { kind: 'whiteout', target: 'etc/os-release' });
    assert.deepEqual(whiteoutMarker('.wh.a'), { kind: 'whiteout', target: 'a' });
    assert.deepEqual(whiteoutMarker('var/lib/.wh..wh..opq'), { kind: 'opaque', dir: 'var/lib' });
    assert.deepEqual(whiteoutMarker('.wh..wh..opq'), { kind: 'opaque', dir: '' });
    assert.deepEqual(whiteoutMarker('.wh..wh.plnk/12.34'), undefined);
    assert.deepEqual(whiteoutMarker('x/.wh..wh.aufs'), { kind: 'aufs-meta' });
    assert.deepEqual(whiteoutMarker('x/.wh..'), { kind: 'aufs-meta' });
    assert.equal(whiteoutMarker('etc/os-release'), undefined);
  });

  it('tests containment without prefix confusion', () => {
    assert.equal(isWithin('var/lib/dpkg/status', 'var/lib'), true);
    assert.equal(isWithin('var/lib', 'var/lib'), true);
    assert.equal(isWithin('var/library', 'var/lib'), false);
    assert.equal(isWithin('anything', ''), true);
  });
});
