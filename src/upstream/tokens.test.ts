import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_TRACE } from '../telemetry/trace-context.js';
import { TokenCache } from './tokens.js';

test('fetches once per scope, caches until expiry, shares concurrent fetches', async () => {
  let t = 0;
  const calls: string[] = [];
  const cache = new TokenCache(async (url, headers) => {
    calls.push(url + ' ' + (headers.authorization ?? ''));
    await new Promise((r) => setTimeout(r, 5));
    return { status: 200, json: async () => ({ token: 'tok' + calls.length, expires_in: 70 }) };
  }, { username: 'u', password: 'p' }, () => t);
  const ch = { scheme: 'bearer', params: { realm: 'http://auth/token', service: 'reg', scope: 'repository:a:pull' } };
  const [a, b] = await Promise.all([cache.get(ch, 'x', NO_TRACE), cache.get(ch, 'x', NO_TRACE)]);
  assert.equal(a, 'tok1');
  assert.equal(b, 'tok1');
  assert.equal(calls.length, 1);
  assert.match(calls[0]!, /service=reg&scope=repository%3Aa%3Apull Basic dTpw/);
  assert.equal(cache.cachedFor('repository:a:pull'), 'tok1');
  t = 61_000;
  assert.equal(await cache.get(ch, 'x', NO_TRACE), 'tok2');
});

test('clear errors for a bad realm or a refused token request', async () => {
  const cache = new TokenCache(async () => ({ status: 401, json: async () => ({}) }));
  await assert.rejects(cache.get({ scheme: 'bearer', params: {} }, 's', NO_TRACE), /without a usable realm/);
  await assert.rejects(cache.get({ scheme: 'bearer', params: { realm: 'http://a/t' } }, 's', NO_TRACE), /answered 401/);
});
