import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from './rate-limit.js';

test('a bucket allows the burst, then the rate, and says when to retry', () => {
  const rl = new RateLimiter(2, 3);
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) assert.deepEqual(rl.take('a', t0), { ok: true });
  assert.deepEqual(rl.take('a', t0), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(rl.take('b', t0), { ok: true }, 'buckets are per key');
  assert.deepEqual(rl.take('a', t0 + 500), { ok: true }, 'refilled one token after 0.5 s at 2/s');
  assert.equal(rl.take('a', t0 + 500).ok, false);
});

test('slow rates give longer Retry-After; 0 disables limiting', () => {
  const rl = new RateLimiter(0.1, 1);
  assert.equal(rl.take('x', 0).ok, true);
  assert.deepEqual(rl.take('x', 0), { ok: false, retryAfterSeconds: 10 });
  const off = new RateLimiter(0, 1);
  for (let i = 0; i < 100; i++) assert.equal(off.take('x').ok, true);
  assert.equal(off.size, 0);
});

test('prune drops refilled buckets', () => {
  const rl = new RateLimiter(10, 10);
  rl.take('a', 0);
  rl.take('b', 0);
  rl.prune(10_000);
  assert.equal(rl.size, 0);
});
