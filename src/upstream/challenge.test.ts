import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges } from './challenge.js';

test('Docker Hub bearer challenge', () => {
  const c = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"');
  assert.deepEqual(c, [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } }]);
});

test('basic and multiple challenges, quoted commas, escapes', () => {
  const c = parseChallenges('Basic realm="Registry Realm", Bearer realm="http://x/t",scope="repository:a:pull,push",error="insufficient_scope"');
  assert.equal(c.length, 2);
  assert.equal(c[0]!.scheme, 'basic');
  assert.equal(c[1]!.params.scope, 'repository:a:pull,push');
  assert.equal(parseChallenges('Bearer realm="a\\"b"')[0]!.params.realm, 'a"b');
  assert.deepEqual(parseChallenges(undefined), []);
  assert.deepEqual(parseChallenges('garbage ,,, ==='), parseChallenges('garbage ,,, ==='));
});
