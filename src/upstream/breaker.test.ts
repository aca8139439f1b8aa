import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from './breaker.js';

test('opens after consecutive failures, half-opens after cooldown, closes on success', () => {
  let t = 0;
  const b = new CircuitBreaker(3, 1000, () => t);
  b.failure(); b.failure();
  assert.equal(b.state, 'closed');
  b.failure();
  assert.equal(b.state, 'open');
  assert.equal(b.allow(), false);
  assert.equal(b.retryAfterMs(), 1000);
  t = 1000;
  assert.equal(b.state, 'half-open');
  assert.equal(b.allow(), true);
  assert.equal(b.allow(), false, 'one trial at a time');
  b.failure();
  assert.equal(b.state, 'open');
  t = 2500;
  assert.equal(b.allow(), true);
  b.success();
  assert.equal(b.state, 'closed');
});
