import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Download } from './download.js';
import { digestOf } from './digest.js';

/** A source the test feeds chunk by chunk; `drained()` resolves once the download took everything pushed. */
function controlled() {
  const queue: Array<Buffer | null> = [];
  let wake: (() => void) | undefined;
  let taken: (() => void) | undefined;
  return {
    push(x: Buffer | null) { queue.push(x); wake?.(); },
    drained: () => new Promise<void>((r) => { if (queue.length === 0) r(); else taken = r; }),
    async *iter(): AsyncIterable<Uint8Array> {
      for (;;) {
        while (queue.length === 0) { taken?.(); await new Promise<void>((r) => { wake = r; }); }
        const x = queue.shift()!;
        if (queue.length === 0) taken?.();
        if (x === null) return;
        yield x;
      }
    },
  };
}

let finalPath = '';

async function setup(t: { after: (fn: () => Promise<void>) => void }, data: Buffer) {
  const dir = await mkdtemp(path.join(tmpdir(), 'download-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  finalPath = path.join(dir, 'final');
  return new Download(digestOf(data), path.join(dir, 'tmp'), finalPath);
}

async function collect(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** send() into memory, copying each chunk (the sender reuses its buffers). */
function sendAll(d: Download, start: number, end?: number) {
  const parts: Buffer[] = [];
  const done = d.send(start, end, async (chunk) => { parts.push(Buffer.from(chunk)); });
  return { parts, result: done.then(() => Buffer.concat(parts)) };
}

test('readers and senders at different offsets, joining early and late, get exact bytes (memory window and file)', async (t) => {
  const chunks = Array.from({ length: 160 }, (_, i) => randomBytes(1 + ((i * 7919) % 100_000)));
  const data = Buffer.concat(chunks);
  const d = await setup(t, data);
  const src = controlled();
  const run = d.run(src.iter());
  const early = collect(d.reader());
  const earlySend = sendAll(d, 0);
  for (const c of chunks.slice(0, 80)) src.push(c);
  await src.drained();
  const late = sendAll(d, 0);
  const range = sendAll(d, 1000, 5_000_000);
  for (const c of chunks.slice(80)) src.push(c);
  src.push(null);
  assert.equal(await run, data.length);
  assert.deepEqual(await early, data);
  assert.deepEqual(await earlySend.result, data);
  assert.deepEqual(await late.result, data);
  assert.deepEqual(await range.result, data.subarray(1000, 5_000_001));
  assert.deepEqual(await sendAll(d, 0).result, data, 'after completion, from the renamed file');
  assert.deepEqual(await readFile(finalPath), data, 'the cache file');
});

test('the last chunk is held back until the digest is verified', async (t) => {
  const a = randomBytes(1000);
  const b = randomBytes(500);
  const d = await setup(t, Buffer.concat([a, b]));
  const src = controlled();
  const run = d.run(src.iter());
  const s = sendAll(d, 0);
  src.push(a);
  src.push(b);
  await src.drained();
  await new Promise((r) => setImmediate(r));
  assert.equal(Buffer.concat(s.parts).length <= a.length, true, 'nothing of the last chunk before the end');
  src.push(null);
  await run;
  assert.equal((await s.result).length, a.length + b.length);
});

test('a digest mismatch fails readers and senders; a client that went away does not stop the download', async (t) => {
  const good = randomBytes(300_000);
  const d = await setup(t, Buffer.from('something else'));
  const src = controlled();
  const run = d.run(src.iter());
  const s = sendAll(d, 0);
  src.push(good);
  src.push(good);
  src.push(null);
  await assert.rejects(run, /does not match its digest/);
  await assert.rejects(s.result, /does not match its digest/);
  assert.ok(Buffer.concat(s.parts).length <= good.length);

  const data = randomBytes(200_000);
  const d2 = await setup(t, data);
  const src2 = controlled();
  const run2 = d2.run(src2.iter());
  const gone = d2.send(0, undefined, async () => { throw new Error('client closed'); });
  src2.push(data.subarray(0, 100_000));
  src2.push(data.subarray(100_000));
  src2.push(null);
  await assert.rejects(gone, /client closed/);
  assert.equal(await run2, data.length);
});

test('a stalled client does not hold the download back for more than a moment', async (t) => {
  const chunks = Array.from({ length: 200 }, () => randomBytes(64 * 1024)); // 12.5 MiB, beyond the window
  const data = Buffer.concat(chunks);
  const d = await setup(t, data);
  const stalled = d.reader(); // never read: buffers its high-water mark, then stops
  stalled.pause();
  const started = performance.now();
  const run = d.run((async function* () { yield* chunks; })());
  assert.equal(await run, data.length);
  assert.ok(performance.now() - started < 5_000, `took ${performance.now() - started} ms`);
  stalled.destroy();
});
