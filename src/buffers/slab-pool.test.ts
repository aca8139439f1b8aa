import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlabPool } from './slab-pool.js';

test('a slab goes back to the pool only when its last holder releases it, and is then reused', () => {
  const pool = new SlabPool(1024, 2);
  const slab = pool.allocate();
  const view = slab.subarray(10, 20);
  assert.equal(pool.owns(view), true);
  pool.take(view); // a second holder (e.g. a client sending it)
  pool.release(slab); // the allocator lets go
  assert.equal(pool.owns(view), true, 'still held by the view');
  assert.equal(pool.freeCount, 0);
  pool.release(view);
  assert.equal(pool.owns(view), false);
  assert.equal(pool.freeCount, 1);
  assert.equal(pool.outstanding, 0);
  const again = pool.allocate();
  assert.equal(again.buffer, slab.buffer, 'the returned slab is handed out again');
});

test('releasing twice, or buffers the pool never made, changes nothing; idle slabs are capped', () => {
  const pool = new SlabPool(64, 1);
  const a = pool.allocate();
  const b = pool.allocate();
  pool.release(a);
  pool.release(a);
  pool.release(Buffer.alloc(64));
  pool.take(Buffer.alloc(64));
  assert.equal(pool.outstanding, 1);
  pool.release(b);
  assert.equal(pool.freeCount, 1, 'at most maxFree idle slabs are kept');
  assert.equal(pool.outstanding, 0);
});
