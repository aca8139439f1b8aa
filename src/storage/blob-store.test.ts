import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BlobStore } from './blob-store.js';
import { digestOf } from './digest.js';
import { text } from 'node:stream/consumers';

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** A source the test feeds chunk by chunk. */
function controlled() {
  const queue: Array<Buffer | null | Error> = [];
  let wake: (() => void) | undefined;
  return {
    push(x: Buffer | null | Error) { queue.push(x); wake?.(); },
    async *iter(): AsyncIterable<Uint8Array> {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => { wake = r; });
        const x = queue.shift()!;
        if (x === null) return;
        if (x instanceof Error) throw x;
        yield x;
      }
    },
  };
}

test('a second reader joins the download in flight and both get every byte', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'blobs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new BlobStore(dir, 1e9);
  await store.init();
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const digest = digestOf(data);
  const src = controlled();
  let sources = 0;
  const a = store.acquire(digest, async () => ({ size: data.length, body: (sources++, src.iter()) }));
  const r1 = collect(a.download.reader());
  src.push(data.subarray(0, 1024 * 1024));
  const b = store.acquire(digest, async () => ({ size: data.length, body: (sources++, src.iter()) }));
  assert.equal(b.started, false);
  assert.equal(b.download, a.download);
  const r2 = collect(b.download.reader(10, 20));
  src.push(data.subarray(1024 * 1024));
  src.push(null);
  assert.deepEqual(await r1, data);
  assert.deepEqual(await r2, data.subarray(10, 21));
  assert.equal(sources, 1);
  await new Promise((r) => setImmediate(r));
  assert.ok(store.has(digest));
  assert.deepEqual(await collect(store.open(digest, 5, 9)!), data.subarray(5, 10));
});

test('a digest mismatch fails every reader and caches nothing', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'blobs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new BlobStore(dir, 1e9);
  await store.init();
  const digest = digestOf(Buffer.from('expected'));
  const src = controlled();
  const { download } = store.acquire(digest, async () => ({ size: undefined, body: src.iter() }));
  const r = collect(download.reader());
  src.push(Buffer.from('something else'));
  src.push(null);
  await assert.rejects(r, /does not match its digest/);
  assert.equal(store.has(digest), false);
  assert.deepEqual(await readdir(path.join(dir, 'tmp')), []);
});

test('an upstream that closes mid-blob fails readers; the next acquire starts fresh', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'blobs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new BlobStore(dir, 1e9);
  await store.init();
  const data = Buffer.from('hello world');
  const digest = digestOf(data);
  const src = controlled();
  const { download } = store.acquire(digest, async () => ({ size: data.length, body: src.iter() }));
  const r = collect(download.reader());
  src.push(data.subarray(0, 3));
  src.push(new Error('socket closed'));
  await assert.rejects(r, /socket closed/);
  await new Promise((r) => setImmediate(r));
  const again = store.acquire(digest, async () => ({ size: data.length, body: (async function* () { yield data; })() }));
  assert.equal(again.started, true);
  assert.equal(await text(again.download.reader()), 'hello world');
});

test('LRU eviction keeps the cache under its cap and survives a restart', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'blobs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new BlobStore(dir, 25);
  await store.init();
  const blobs = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)].map((s) => Buffer.from(s));
  for (const b of blobs) {
    const { download } = store.acquire(digestOf(b), async () => ({ size: b.length, body: (async function* () { yield b; })() }));
    await collect(download.reader());
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(store.has(digestOf(blobs[0]!)), false, 'oldest evicted');
  assert.ok(store.has(digestOf(blobs[2]!)));
  assert.ok(store.bytes <= 25);
  const reopened = new BlobStore(dir, 25);
  await reopened.init();
  assert.ok(reopened.has(digestOf(blobs[2]!)));
});
