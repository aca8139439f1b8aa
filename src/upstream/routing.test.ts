import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './routing.js';
import { RegistryError } from '../errors.js';

const upstreams = {
  dockerhub: { url: 'https://registry-1.docker.io', registries: ['docker.io'] },
  ghcr: { url: 'https://ghcr.io', registries: [] },
} as never;

test('ns picks the upstream; docker.io single names get library/', () => {
  const r = new Router({ upstreams, routing: { default: 'dockerhub' } });
  assert.deepEqual(r.resolve('alpine', 'docker.io'), { upstream: 'dockerhub', repository: 'library/alpine', prefix: '' });
  assert.deepEqual(r.resolve('acme/app', 'ghcr.io'), { upstream: 'ghcr', repository: 'acme/app', prefix: '' });
});

test('unknown ns is refused, never routed to the default', () => {
  const r = new Router({ upstreams, routing: { default: 'dockerhub' } });
  assert.throws(() => r.resolve('alpine', 'evil.example.com'), (e: unknown) => e instanceof RegistryError && e.code === 'NAME_UNKNOWN' && e.status === 404);
});

test('first segment naming an upstream, else default', () => {
  const r = new Router({ upstreams, routing: { default: 'dockerhub' } });
  assert.deepEqual(r.resolve('ghcr/acme/app', undefined), { upstream: 'ghcr', repository: 'acme/app', prefix: 'ghcr/' });
  assert.deepEqual(r.resolve('dockerhub/nginx', undefined), { upstream: 'dockerhub', repository: 'library/nginx', prefix: 'dockerhub/' });
  assert.deepEqual(r.resolve('nginx', undefined), { upstream: 'dockerhub', repository: 'library/nginx', prefix: '' });
  assert.deepEqual(r.resolve('bitnami/redis', undefined), { upstream: 'dockerhub', repository: 'bitnami/redis', prefix: '' });
});
