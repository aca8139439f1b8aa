import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CatalogedFile, ImageView } from './cataloger.js';
import { npmCataloger } from './npm.js';
import { fixture, recordingContext } from './test-fixtures.js';

function names(path: string, bytes: Buffer): string[] {
  return (npmCataloger.parse(path, bytes, recordingContext()).packages ?? []).map((p) => `${p.name}@${p.version}`).sort();
}

describe('npm cataloger', () => {
  it('wants installed package manifests and lock files outside node_modules', () => {
    const wants = (path: string) => npmCataloger.wants(path, 100, 0o644);
    assert.equal(wants('app/node_modules/tar-stream/package.json'), true);
    assert.equal(wants('node_modules/@sigstore/bundle/package.json'), true);
    assert.equal(wants('app/node_modules/a/node_modules/b/package.json'), true);
    assert.equal(wants('app/package-lock.json'), true);
    assert.equal(wants('npm-shrinkwrap.json'), true);
    assert.equal(wants('app/package.json'), false, 'the project itself is not a dependency');
    assert.equal(wants('app/node_modules/fast-check/lib/cjs/package.json'), false);
    assert.equal(wants('app/node_modules/github-from-package/example/package.json'), false);
    assert.equal(wants('app/node_modules/foo/package-lock.json'), false);
    assert.equal(wants('app/node_modules/.package-lock.json'), false);
  });

  it('reads installed package.json files (real ones from npm)', () => {
    assert.deepEqual(names('node_modules/tar-stream/package.json', fixture('npm/tar-stream.package.json')), ['tar-stream@3.2.2']);
    assert.deepEqual(names('node_modules/@sigstore/bundle/package.json', fixture('npm/sigstore-bundle.package.json')), ['@sigstore/bundle@4.0.0']);
    assert.deepEqual(names('node_modules/x/package.json', fixture('npm/fast-check-lib-cjs.package.json')), [], 'no name or version: skipped');
    // a nested example manifest has a name and version: the path rule (wants) is what keeps it out
    assert.deepEqual(names('node_modules/x/package.json', fixture('npm/github-from-package-example.package.json')), ['beep-boop@1.2.3']);
    assert.equal(npmCataloger.wants('node_modules/github-from-package/example/package.json', 100, 0o644), false);
  });

  it('reads lockfile v1 (nested dependencies, dev entries left out)', () => {
    const found = names('app/package-lock.json', fixture('npm/trivy-package-lock_v1.json'));
    assert.equal(found.length, 29, '27 top-level non-dev + debug@2.6.9 and ms@2.0.0 nested');
    assert.ok(found.includes('@babel/helper-string-parser@7.19.4'));
    assert.ok(found.includes('debug@2.6.9'), 'nested under body-parser');
    assert.ok(!found.includes('debug@2.5.2'), 'dev');
    assert.ok(!found.includes('ms@0.7.2'), 'dev');
  });

  it('reads lockfile v3 with workspaces: not the root, not links, not workspace sources', () => {
    assert.deepEqual(names('package-lock.json', fixture('npm/trivy-package-lock_v3_with_workspace.json')), ['debug@2.5.2', 'debug@2.6.9', 'ms@0.7.2', 'ms@2.0.0']);
  });

  it('rejects malformed JSON', () => {
    assert.throws(() => npmCataloger.parse('package-lock.json', Buffer.from('{'), recordingContext()));
  });

  it('drops lock files of folders that have installed node_modules', () => {
    const file = (path: string, name: string): CatalogedFile => ({ path, output: { packages: [{ name, version: '1.0.0', kind: 'npm' }] }, introducedBy: {} });
    const files = [file('app/package-lock.json', 'a'), file('app/node_modules/a/package.json', 'a'), file('srv/package-lock.json', 'b'), file('package-lock.json', 'c')];
    const view: ImageView = { outputsAt: () => undefined, filesOf: () => files };
    assert.deepEqual(npmCataloger.finalize?.(files, view).map((f) => f.path), ['app/node_modules/a/package.json', 'srv/package-lock.json', 'package-lock.json']);
  });
});
