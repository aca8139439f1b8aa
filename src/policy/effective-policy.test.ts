import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectivePolicy, needsSignature } from './effective-policy.js';
import { policyHash } from './policy-hash.js';
import { globToRegExp, repositoryMatches } from './repository-glob.js';
import { policyConfig } from './test-helpers.js';

test('globs: * spans slashes, ? is one character, the rest is literal', () => {
  assert.ok(repositoryMatches(['library/*'], { repository: 'library/alpine' }));
  assert.ok(repositoryMatches(['internal/*'], { repository: 'internal/team/app' }));
  assert.ok(repositoryMatches(['*'], { repository: 'a/b/c' }));
  assert.ok(!repositoryMatches(['library/*'], { repository: 'libraryx/alpine' }));
  assert.ok(repositoryMatches(['app?'], { repository: 'app1' }));
  assert.ok(!globToRegExp('a.b').test('axb'), 'dots are literal');
  assert.ok(repositoryMatches(['hub/library/*'], { repository: 'library/alpine', upstream: 'hub' }), 'qualified by upstream');
  assert.ok(!repositoryMatches(['ghcr/library/*'], { repository: 'library/alpine', upstream: 'hub' }));
});

test('the first matching rule overrides the fields it sets; the others stay global', () => {
  const cfg = policyConfig({
    blockSeverity: 'high', onError: 'deny',
    rules: [
      { repositories: ['internal/*'], requireSignature: true, blockSeverity: 'medium' },
      { repositories: ['internal/*', 'tools/*'], mode: 'audit' },
    ],
  });
  const internal = effectivePolicy(cfg, { repository: 'internal/app' });
  assert.equal(internal.requireSignature, true);
  assert.equal(internal.blockSeverity, 'medium');
  assert.equal(internal.mode, 'enforce', 'only the first match applies');
  assert.equal(internal.onError, 'deny');
  assert.equal(internal.rule, 0);
  assert.ok(needsSignature(internal));
  const tools = effectivePolicy(cfg, { repository: 'tools/x' });
  assert.equal(tools.mode, 'audit');
  assert.equal(tools.blockSeverity, 'high');
  const other = effectivePolicy(cfg, { repository: 'library/alpine' });
  assert.equal(other.rule, undefined);
  assert.ok(!needsSignature(other));
});

test('allowlists: global entries scoped by their repositories plus the matching rule entries', () => {
  const cfg = policyConfig({
    allowlist: [{ id: 'CVE-1', repositories: ['library/*'] }, { id: 'CVE-2' }],
    rules: [{ repositories: ['library/alpine'], allowlist: [{ id: 'CVE-3' }] }],
  });
  assert.deepEqual(effectivePolicy(cfg, { repository: 'library/alpine' }).allowlist.map((e) => e.id), ['CVE-1', 'CVE-2', 'CVE-3']);
  assert.deepEqual(effectivePolicy(cfg, { repository: 'other/x' }).allowlist.map((e) => e.id), ['CVE-2']);
});

test('policy hash: changes with anything that can change a decision, per repository', () => {
  const base = policyConfig({ rules: [{ repositories: ['internal/*'], requireSignature: true }] });
  const h = (cfg = base, repo = 'library/alpine', trust = 't1') => policyHash(effectivePolicy(cfg, { repository: repo }), trust);
  assert.equal(h(), h(policyConfig({ rules: [{ repositories: ['internal/*'], requireSignature: true }] })), 'stable');
  assert.notEqual(h(), h(base, 'internal/x'));
  assert.notEqual(h(), h(base, 'library/alpine', 't2'), 'signature trust is part of it');
  assert.notEqual(h(), h(policyConfig({ blockSeverity: 'critical', rules: base.rules })));
  assert.notEqual(h(), h(policyConfig({ allowlist: [{ id: 'CVE-9', repositories: ['library/*'] }], rules: base.rules })));
  assert.equal(h(), h(policyConfig({ allowlist: [{ id: 'CVE-9', repositories: ['other/*'] }], rules: base.rules })), 'entries for other repositories do not matter');
  assert.equal(h(base, 'internal/x'), h(policyConfig({ rules: [{ repositories: ['internal/*'], requireSignature: true }] }), 'internal/x'));
});
