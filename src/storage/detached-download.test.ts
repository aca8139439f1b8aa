/**
 * Detached mode (see Download and BlobStore): when the cache file falls behind the clients, the
 * download serves them from memory and a second, cache-only download fills the cache afterwards.
 * The disk is simulated by a sink whose writes the test holds back; chunks come from the pooled read
 * slabs, refilled as soon as they go back to the pool, so a chunk released too early shows up as
 * wrong bytes at a client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Download } from './download.js';
import { BlobStore, type BlobStoreEvents } from './blob-store.js';
import { digestOf } from './digest.js';
import type { BlobSink, SinkOpener } from './blob-sink.js';
import { readSlabs } from '../buffers/slab-pool.js';

const MiB = 1024 * 1024;

/** A disk the test controls: while `held`, nothing is written after the first chunk (the download falls behind). */
function heldDisk() {
  const state = { held: true, opened: 0, sinks: [] as GatedSink[] };
  const open: SinkOpener = async (file, algorithm) => {
    state.opened++;
    const s = new GatedSink(file, algorithm, () => state.held);
    state.sinks.push(s);
    return s;
  };
  return { state, open, release() { state.held = false; for (const s of state.sinks) s.flush(); } };
}

class GatedSink implements BlobSink {
  written = 0;
  processed = 0;
  error: Error | undefined;
  onProgress = () => {};
  private readonly hash;
  private readonly fd: number;
  private queue: Buffer[] = [];
  private detached = false;
  private waiters: Array<{ bytes: number; resolve: () => void }> = [];

  constructor(file: string, algorithm: string, private readonly held: () => boolean) {
    this.hash = createHash(algorithm);
    this.fd = openSync(file, 'w');
  }

  write(chunk: Buffer): void {
    this.hash.update(chunk);
    if (this.detached) { this.processed += chunk.length; this.progressed(); return; }
    this.queue.push(chunk);
    if (!this.held() || this.written === 0) this.flush(); // the first chunk: the disk is running, then slow
  }

  flush(): void {
    for (const c of this.queue.splice(0)) {
      writeSync(this.fd, c, 0, c.length, this.written);
      this.written += c.length;
    }
    this.processed = Math.max(this.processed, this.written);
    this.progressed();
  }

  detach(): void {
    this.detached = true;
    for (const c of this.queue.splice(0)) this.processed += c.length;
    this.processed = Math.max(this.processed, this.written);
    setImmediate(() => this.progressed());
  }

  private progressed(): void {
    const reached = this.detached ? this.processed : this.written;
    this.waiters = this.waiters.filter((w) => (reached >= w.bytes ? (w.resolve(), false) : true));
    this.onProgress();
  }

  until(bytes: number): Promise<void> {
    if ((this.detached ? this.processed : this.written) >= bytes) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  async finish(): Promise<string> {
    if (!this.detached) this.flush();
    closeSync(this.fd);
    return this.hash.digest('hex');
  }

  async abort(): Promise<void> {
    closeSync(this.fd);
  }
}

/**
 * `size` bytes of random data as pooled slab views, like the bulk upstream reader yields them: each
 * view holds its own count of its slab and the reader's count goes right away. Returns the bytes as
 * they were when yielded.
 */
function pooledSource(size: number, chunk = 700 * 1024) {
  const expected = Buffer.alloc(size);
  randomFillSync(expected);
  let fills = 0;
  async function* iter(): AsyncIterable<Uint8Array> {
    for (let at = 0; at < size; at += chunk) {
      const slab = readSlabs.allocate();
      fills++;
      const n = Math.min(chunk, size - at, slab.length);
      expected.copy(slab, 0, at, at + n);
      const view = slab.subarray(0, n);
      readSlabs.take(view);
      readSlabs.release(slab);
      yield view;
      await new Promise((r) => setImmediate(r));
    }
  }
  return { expected, iter, fills: () => fills };
}

/** send() into memory, copying each chunk (as a socket would have taken it) after a turn of the event loop. */
function sendAll(d: Download, start = 0) {
  const parts: Buffer[] = [];
  const done = d.send(start, undefined, async (chunk) => {
    await new Promise((r) => setImmediate(r));
    parts.push(Buffer.from(chunk));
  });
  return done.then(() => Buffer.concat(parts));
}

/** Waits (bounded) until the store holds `digest`: the fill runs in the background. */
async function cachedSoon(store: BlobStore, digest: string): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!store.has(digest) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return store.has(digest);
}

/** A store on the held disk, a 40 MiB pooled source, and an `open` that counts upstream fetches. */
async function storeOnHeldDisk(t: { after: (fn: () => Promise<void>) => void }, events: BlobStoreEvents = {}) {
  const disk = heldDisk();
  const store = new BlobStore(await tempDir(t), 1e10, events, disk.open);
  await store.init();
  const src = pooledSource(40 * MiB);
  const counter = { fetches: 0 };
  const open = async () => { counter.fetches++; return { size: src.expected.length, body: src.iter() }; };
  return { disk, store, src, digest: digestOf(src.expected), open, counter };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'detached-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a client that outruns the disk is served from memory, byte for byte, and nothing is cached by that download', async (t) => {
  const dir = await tempDir(t);
  const src = pooledSource(40 * MiB);
  const disk = heldDisk();
  const d = new Download(digestOf(src.expected), path.join(dir, 'tmp'), path.join(dir, 'final'), 'cache', disk.open);
  let detached = 0;
  d.onDetach = () => detached++;
  const client = sendAll(d);
  const size = await d.run(src.iter());
  assert.equal(size, src.expected.length);
  assert.equal(detached, 1);
  assert.equal(d.detached, true);
  const got = await client;
  assert.equal(got.length, src.expected.length);
  assert.ok(got.equals(src.expected), 'every byte as the upstream sent it (no slab reused too early)');
  await assert.rejects(stat(path.join(dir, 'final')), /ENOENT/, 'a detached download does not cache');
  assert.equal(readSlabs.outstanding, 0, 'every slab went back to the pool');
});

test('without clients a download waits for the disk instead of detaching', async (t) => {
  const dir = await tempDir(t);
  const src = pooledSource(24 * MiB);
  const disk = heldDisk();
  const d = new Download(digestOf(src.expected), path.join(dir, 'tmp'), path.join(dir, 'final'), 'cache', disk.open);
  const run = d.run(src.iter());
  setTimeout(() => disk.release(), 200);
  assert.equal(await run, src.expected.length);
  assert.equal(d.detached, false);
  assert.equal((await stat(path.join(dir, 'final'))).size, src.expected.length);
});

test('a detached download that receives other bytes than its digest fails its client before the last chunk', async (t) => {
  const dir = await tempDir(t);
  const src = pooledSource(30 * MiB);
  const disk = heldDisk();
  const d = new Download(digestOf(Buffer.from('other')), path.join(dir, 'tmp'), path.join(dir, 'final'), 'cache', disk.open);
  const parts: Buffer[] = [];
  const client = d.send(0, undefined, async (c) => { parts.push(Buffer.from(c)); });
  await assert.rejects(d.run(src.iter()), /does not match its digest/);
  await assert.rejects(client, /does not match its digest/);
  assert.ok(Buffer.concat(parts).length < src.expected.length, 'the client never saw a complete body');
  assert.equal(d.detached, true);
});

test('the store fills the cache with a second download once the detached one is done', async (t) => {
  const detaches: string[] = [];
  const { disk, store, src, digest, open, counter } = await storeOnHeldDisk(t, { onDetach: (dg) => detaches.push(dg) });
  const first = store.acquire(digest, open);
  const got = await sendAll(first.download);
  assert.ok(got.equals(src.expected));
  assert.deepEqual(detaches, [digest]);
  assert.equal(store.has(digest), false, 'not cached by the detached download');
  disk.release(); // the disk catches up: the fill writes the cache
  assert.equal(await cachedSoon(store, digest), true, 'the fill cached the blob');
  assert.equal(counter.fetches, 2, 'one upstream fetch for the client, one for the cache');
  const cached = await new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    const s = store.open(digest)!;
    s.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
  });
  assert.ok(cached.equals(src.expected));
});

test('a client arriving while a detached download runs starts the fill and gets every byte', async (t) => {
  const { disk, store, src, digest, open, counter } = await storeOnHeldDisk(t);
  const first = store.acquire(digest, open);
  const firstBytes = sendAll(first.download);
  while (!first.download.detached) await new Promise((r) => setTimeout(r, 5));
  const second = store.acquire(digest, open);
  assert.equal(second.started, true);
  const secondBytes = sendAll(second.download);
  // a third and fourth client: at most MAX_SERVING pass-throughs, then the fill
  const third = store.acquire(digest, open);
  const thirdBytes = sendAll(third.download);
  disk.release();
  for (const got of await Promise.all([firstBytes, secondBytes, thirdBytes])) assert.ok(got.equals(src.expected));
  assert.equal(await cachedSoon(store, digest), true);
  assert.ok(counter.fetches <= 3, `${counter.fetches} upstream fetches`);
});
