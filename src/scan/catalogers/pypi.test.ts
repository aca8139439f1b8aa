import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pypiCataloger } from './pypi.js';
import { fixture, recordingContext } from './test-fixtures.js';

function parse(path: string, bytes: Buffer) {
  return pypiCataloger.parse(path, bytes, recordingContext()).packages ?? [];
}

describe('pypi cataloger', () => {
  it('wants dist-info METADATA and egg-info PKG-INFO (directory or single file)', () => {
    const wants = (path: string) => pypiCataloger.wants(path, 100, 0o644);
    assert.equal(wants('usr/lib/python3.13/site-packages/pip-24.2.dist-info/METADATA'), true);
    assert.equal(wants('usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO'), true);
    assert.equal(wants('usr/lib/python2.7/lib-dynload/Python-2.7.18-py2.7.egg-info'), true);
    assert.equal(wants('opt/x/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO'), true);
    assert.equal(wants('usr/lib/python3/dist-packages/pip-24.2.dist-info/RECORD'), false);
    assert.equal(wants('src/PKG-INFO'), false);
  });

  it('reads real metadata files, keeping the display name', () => {
    assert.deepEqual(parse('a/pip-24.2.dist-info/METADATA', fixture('pypi/pip-24.2.METADATA')), [{ name: 'pip', version: '24.2', kind: 'pypi' }]);
    assert.deepEqual(parse('a/PyYAML-6.0.dist-info/METADATA', fixture('pypi/PyYAML-6.0.METADATA')), [{ name: 'PyYAML', version: '6.0', kind: 'pypi' }]);
    assert.deepEqual(parse('a/PyJWT-2.6.0.egg-info/PKG-INFO', fixture('pypi/PyJWT-2.6.0.PKG-INFO')), [{ name: 'PyJWT', version: '2.6.0', kind: 'pypi' }]);
    assert.deepEqual(parse('a/Python-2.7.18-py2.7.egg-info', fixture('pypi/Python-2.7.18-py2.7.egg-info')), [{ name: 'Python', version: '2.7.18', kind: 'pypi' }]);
  });

  it('reads only the header block, not the description', () => {
    const text = 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\nName: not-this\nVersion: 9\n';
    assert.deepEqual(parse('x/demo-1.0.dist-info/METADATA', Buffer.from(text)), [{ name: 'demo', version: '1.0', kind: 'pypi' }]);
    assert.throws(() => parse('x/demo.dist-info/METADATA', Buffer.from('Metadata-Version: 2.1\nName: demo\n')), /Version/);
  });
});
