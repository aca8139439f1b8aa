import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, describePullGlobs, isAdmin, mayBypass, mayPull, parseScope, parseScopes, ScopeError, scopeText } from './scopes.js';
import { repositoryNames, defaultUpstream } from './repository-names.js';

test('globs: * stays within a segment, ** spans segments, the rest is literal', () => {
  const one = compileGlob('library/*');
  assert.ok(one.test('library/alpine'));
  assert.ok(!one.test('library/a/b'));
  assert.ok(!one.test('library'));
  assert.ok(!one.test('xlibrary/alpine'));
  const deep = compileGlob('acme/**');
  assert.ok(deep.test('acme/a'));
  assert.ok(deep.test('acme/a/b/c'));
  assert.ok(!deep.test('acme'));
  assert.ok(compileGlob('**').test('dockerhub/library/alpine'));
  assert.ok(compileGlob('*/library/*').test('dockerhub/library/alpine'));
  const dots = compileGlob('a.b-c_d');
  assert.ok(dots.test('a.b-c_d'));
  assert.ok(!dots.test('aXb-c_d'), 'dot is literal');
});

test('scopes parse, print and refuse bad input with a helpful message', () => {
  assert.deepEqual(parseScope('admin'), { kind: 'admin' });
  assert.equal(scopeText(parseScope('pull:library/*')), 'pull:library/*');
  assert.equal(scopeText(parseScope('bypass:acme/app')), 'bypass:acme/app');
  for (const bad of ['push:x', 'pull:', 'pull:Library/*', 'pull:a b', 'admin:x', '', 'pull:a(b)']) {
    assert.throws(() => parseScope(bad), ScopeError, bad);
  }
  assert.throws(() => parseScope('read'), /expected pull:<repository glob>, bypass:<repository glob> or admin/);
});

test('pull, bypass and admin rights', () => {
  const s = parseScopes(['pull:library/*', 'bypass:acme/hotfix', 'admin']);
  assert.ok(mayPull(s, ['dockerhub/library/alpine', 'library/alpine']));
  assert.ok(mayPull(s, ['acme/hotfix']), 'bypass implies pull');
  assert.ok(!mayPull(s, ['acme/app']));
  assert.ok(mayBypass(s, ['acme/hotfix']));
  assert.ok(!mayBypass(s, ['library/alpine']));
  assert.ok(isAdmin(s));
  assert.ok(!isAdmin(parseScopes(['pull:**'])));
  assert.ok(!mayPull(parseScopes(['admin']), ['library/alpine']), 'admin alone grants no pulls');
  assert.equal(describePullGlobs(s), 'library/*, acme/hotfix');
  assert.equal(describePullGlobs(parseScopes(['admin'])), '');
});

test('repository names: canonical upstream form, default-upstream bare form, client form without ns', () => {
  const config = { upstreams: { dockerhub: {}, ghcr: {} }, routing: { default: 'dockerhub' } } as never;
  const dflt = defaultUpstream(config);
  assert.equal(dflt, 'dockerhub');
  assert.deepEqual(repositoryNames({ upstream: 'dockerhub', repository: 'library/alpine', prefix: '' }, 'alpine', false, dflt), ['dockerhub/library/alpine', 'library/alpine', 'alpine']);
  assert.deepEqual(repositoryNames({ upstream: 'dockerhub', repository: 'library/alpine', prefix: '' }, 'library/alpine', true, dflt), ['dockerhub/library/alpine', 'library/alpine']);
  // another upstream via ?ns=: only the canonical name, so `library/*` does not reach ghcr
  assert.deepEqual(repositoryNames({ upstream: 'ghcr', repository: 'library/x', prefix: '' }, 'library/x', true, dflt), ['ghcr/library/x']);
  assert.deepEqual(repositoryNames({ upstream: 'ghcr', repository: 'acme/app', prefix: 'ghcr/' }, 'ghcr/acme/app', false, dflt), ['ghcr/acme/app']);
  assert.equal(defaultUpstream({ upstreams: { only: {} }, routing: {} } as never), 'only');
  assert.equal(defaultUpstream({ upstreams: { a: {}, b: {} }, routing: {} } as never), undefined);
});
