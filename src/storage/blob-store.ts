/**
 * Content-addressed blob cache under storage.path/blobs with a size cap and LRU eviction.
 * Blobs enter only through a verified Download (temp file + digest check + rename).
 * One download per digest at a time: `acquire` returns the running one to later callers.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Download } from './download.js';
import { sendChunks } from './send-chunks.js';
import { digestHex } from '../registry/reference.js';

interface Entry { size: number; pins: number; touchedAt: number }

/** Read size of cached blob streams (the scanner's; clients get `pump`). */
const STREAM_CHUNK = 64 * 1024;

export interface BlobSource { size?: number; body: AsyncIterable<Uint8Array> }

export interface BlobStoreEvents {
  onEvict?: (digest: string, size: number) => void;
  onSize?: (bytes: number) => void;
}

export class BlobStore {
  private readonly entries = new Map<string, Entry>(); // insertion order = LRU order
  private readonly inflight = new Map<string, Download>();
  private readonly ready = new WeakMap<Download, Promise<{ size?: number }>>();
  private total = 0;
  private readonly tmp: string;

  constructor(private readonly root: string, private readonly maxBytes: number, private readonly events: BlobStoreEvents = {}) {
    this.tmp = path.join(root, 'tmp');
  }

  /** Loads what survived a restart (LRU order from mtimes) and clears stale temp files. */
  async init(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
    await mkdir(this.tmp, { recursive: true });
    const found: Array<{ digest: string; size: number; mtime: number }> = [];
    for (const alg of ['sha256', 'sha512']) {
      const dir = path.join(this.root, 'blobs', alg);
      await mkdir(dir, { recursive: true });
      for (const name of await readdir(dir)) {
        const s = await stat(path.join(dir, name)).catch(() => undefined);
        if (s?.isFile()) found.push({ digest: `${alg}:${name}`, size: s.size, mtime: s.mtimeMs });
      }
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) { this.entries.set(f.digest, { size: f.size, pins: 0, touchedAt: f.mtime }); this.total += f.size; }
    this.events.onSize?.(this.total);
    await this.evict();
  }

  get bytes(): number { return this.total; }

  private blobPath(digest: string): string {
    return path.join(this.root, 'blobs', digest.slice(0, digest.indexOf(':')), digestHex(digest));
  }

  size(digest: string): number | undefined {
    return this.entries.get(digest)?.size;
  }

  has(digest: string): boolean {
    return this.entries.has(digest);
  }

  /** Marks a cached blob recently used and pins it (not evicted until unpinned). */
  private pin(digest: string): Entry | undefined {
    const e = this.entries.get(digest);
    if (!e) return undefined;
    this.entries.delete(digest);
    this.entries.set(digest, e);
    e.pins++;
    const now = Date.now();
    if (now - e.touchedAt > 3_600_000) { e.touchedAt = now; utimes(this.blobPath(digest), now / 1000, now / 1000).catch(() => {}); }
    return e;
  }

  /** Opens a cached blob (range end inclusive) and marks it recently used; pinned while the stream is open. */
  open(digest: string, start = 0, end?: number): Readable | undefined {
    const e = this.pin(digest);
    if (!e) return undefined;
    const s = createReadStream(this.blobPath(digest), { start, end, highWaterMark: STREAM_CHUNK });
    s.once('close', () => { e.pins--; });
    return s;
  }

  /**
   * Sends bytes [start, end] (inclusive) of a cached blob through `write`, which resolves once the
   * chunk is handed over (e.g. to the socket), reusing two buffers (see sendChunks). Resolves with
   * the bytes sent; undefined when the blob is not cached.
   */
  pump(digest: string, start: number, end: number, write: (chunk: Buffer) => Promise<void>): Promise<number> | undefined {
    const e = this.pin(digest);
    if (!e) return undefined;
    return (async () => {
      const fh = await openFile(this.blobPath(digest), 'r');
      let pos = start;
      try {
        return await sendChunks(async (buf) => {
          if (pos > end) return null;
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end + 1 - pos), pos);
          if (bytesRead === 0) throw new Error(`cached blob ${digest} is shorter than recorded`);
          pos += bytesRead;
          return buf.subarray(0, bytesRead);
        }, write);
      } finally {
        await fh.close();
        e.pins--;
      }
    })();
  }

  inflightFor(digest: string): Download | undefined {
    return this.inflight.get(digest);
  }

  /**
   * Starts a download for `digest` fed by `open` (which resolves once upstream headers arrived),
   * or returns the one already running. `ready` settles when the size is known or the upstream failed.
   */
  acquire(digest: string, open: () => Promise<BlobSource>): { download: Download; ready: Promise<{ size?: number }>; started: boolean } {
    const running = this.inflight.get(digest);
    if (running) return { download: running, ready: this.ready.get(running)!, started: false };
    const tmp = path.join(this.tmp, `${digestHex(digest).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    const final = this.blobPath(digest);
    const d = new Download(digest, tmp, final);
    this.inflight.set(digest, d);
    const opened = open();
    const ready = opened.then((s) => { d.expectedSize = s.size; return { size: s.size }; });
    ready.catch(() => {});
    this.ready.set(d, ready);
    (async () => {
      try {
        const src = await opened;
        await d.run(src.body, (err, size) => {
          this.inflight.delete(digest);
          if (err) return;
          this.entries.set(digest, { size, pins: 0, touchedAt: Date.now() });
          this.total += size;
          this.events.onSize?.(this.total);
        });
        await this.evict();
      } catch (e) {
        this.inflight.delete(digest);
        if (!d.error) { d.error = e as Error; d.emit('progress'); }
      }
    })();
    return { download: d, ready, started: true };
  }

  /** Evicts least recently used, unpinned blobs until under the cap. */
  async evict(): Promise<void> {
    if (this.total <= this.maxBytes) return;
    for (const [digest, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      if (e.pins > 0) continue;
      this.entries.delete(digest);
      this.total -= e.size;
      await rm(this.blobPath(digest), { force: true });
      this.events.onEvict?.(digest, e.size);
    }
    this.events.onSize?.(this.total);
  }
}
