/**
 * Content-addressed blob cache under storage.path/blobs with a size cap and LRU eviction.
 * Blobs enter only through a verified Download (temp file + digest check + rename).
 * One download per digest at a time: `acquire` returns the running one to later callers.
 *
 * When a download's clients outrun the disk it detaches (see Download): it stops writing and serves
 * its clients from memory, and the cache is filled by a second, cache-only download (`fill`), as
 * distribution's proxy fills its cache with a second upstream GET. The fill starts once the detached
 * download is done, so it never competes with the clients for the upstream link or the CPU; a client
 * that arrives meanwhile starts it at once and joins it (or, up to MAX_SERVING per digest, gets a
 * pass-through of its own while a fill is behind).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Download, NoReadersLeftError, type DownloadRole } from './download.js';
import { sendChunks } from './send-chunks.js';
import { warmSinks, type SinkOpener } from './blob-sink.js';
import { digestHex } from '../registry/reference.js';

interface Entry { size: number; pins: number; touchedAt: number }

/** Detached downloads (pass-throughs) alive per digest at most; later clients join the fill. */
const MAX_SERVING = 2;

/** Read size of cached blob streams (the scanner's; clients get `pump`). */
const STREAM_CHUNK = 64 * 1024;

export interface BlobSource { size?: number; body: AsyncIterable<Uint8Array> }

export interface BlobStoreEvents {
  onEvict?: (digest: string, size: number) => void;
  onSize?: (bytes: number) => void;
  /** a download's clients outran the disk: a second, cache-only download fills the cache */
  onDetach?: (digest: string) => void;
}

export class BlobStore {
  private readonly entries = new Map<string, Entry>(); // insertion order = LRU order
  /** the download writing each digest into the cache ('cache' or 'fill') */
  private readonly inflight = new Map<string, Download>();
  /** the newest detached download serving clients of each digest */
  private readonly serving = new Map<string, Download>();
  /** detached downloads alive per digest (bounded by MAX_SERVING) */
  private readonly servingCount = new Map<string, number>();
  /** fills waiting for their detached download to finish; calling one starts it now */
  private readonly pendingFills = new Map<string, () => Download | undefined>();
  private readonly ready = new WeakMap<Download, Promise<{ size?: number }>>();
  private total = 0;
  private readonly tmp: string;

  constructor(
    private readonly root: string,
    private readonly maxBytes: number,
    private readonly events: BlobStoreEvents = {},
    private readonly sinks?: SinkOpener,
  ) {
    this.tmp = path.join(root, 'tmp');
  }

  /** Loads what survived a restart (LRU order from mtimes) and clears stale temp files. */
  async init(): Promise<void> {
    if (!this.sinks) warmSinks();
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
        return await sendChunks(async (buffer) => {
          if (pos > end) return null;
          const buf = buffer();
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

  /** Size (when announced) of a download in flight for `digest`; undefined when none runs. */
  inflightSize(digest: string): Promise<{ size?: number }> | undefined {
    const d = this.inflight.get(digest) ?? this.serving.get(digest);
    return d ? this.ready.get(d) : undefined;
  }

  /**
   * Starts a download for `digest` fed by `open` (which resolves once upstream headers arrived),
   * or returns the one already running. `ready` settles when the size is known or the upstream failed.
   */
  acquire(digest: string, open: () => Promise<BlobSource>): { download: Download; ready: Promise<{ size?: number }>; started: boolean } {
    const join = (download: Download, started: boolean) => ({ download, ready: this.ready.get(download)!, started });
    const running = this.inflight.get(digest);
    if (running && running.role !== 'fill') return join(running, false);
    const serving = this.serving.get(digest);
    if (serving?.joinableFromStart()) return join(serving, false);
    if (!running && !serving) return join(this.start(digest, open, 'cache'), true);
    // A detached download serves other clients and the cache copy is behind or not started yet.
    const fill = running ?? this.pendingFills.get(digest)?.();
    if (!fill) return join(this.start(digest, open, 'cache'), true); // nothing fills the cache (its fill failed): this one does
    if ((this.servingCount.get(digest) ?? 0) >= MAX_SERVING) return join(fill, false);
    return join(this.start(digest, open, 'pass'), true);
  }

  /**
   * Runs one download. One that may detach (its clients outran the disk) hands the digest over to a
   * cache-only download (`fill`), started once the detached one is done (or sooner, see acquire).
   */
  private start(digest: string, open: () => Promise<BlobSource>, role: DownloadRole): Download {
    const tmp = path.join(this.tmp, `${digestHex(digest).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    const d = new Download(digest, tmp, this.blobPath(digest), role, this.sinks);
    let counted = false;
    const count = (delta: 1 | -1) => {
      if (counted === (delta === 1)) return;
      counted = delta === 1;
      const n = (this.servingCount.get(digest) ?? 0) + delta;
      if (n > 0) this.servingCount.set(digest, n); else this.servingCount.delete(digest);
    };
    const serve = () => { this.serving.set(digest, d); count(1); };
    if (role === 'pass') serve(); else this.inflight.set(digest, d);
    let fill: (() => Download | undefined) | undefined;
    const startFill = () => {
      if (this.pendingFills.get(digest) === fill) this.pendingFills.delete(digest);
      fill = undefined;
      const current = this.inflight.get(digest);
      if (current || this.entries.has(digest)) return current;
      return this.start(digest, open, 'fill');
    };
    const leave = (failed: boolean) => {
      if (this.inflight.get(digest) === d) this.inflight.delete(digest);
      if (this.serving.get(digest) === d) this.serving.delete(digest);
      count(-1);
      if (!fill) return;
      if (failed) { // the upstream failed or sent other bytes: no second try behind the client's back
        if (this.pendingFills.get(digest) === fill) this.pendingFills.delete(digest);
        fill = undefined;
      } else fill(); // the detached download is done: the cache copy starts now
    };
    d.onDetach = () => {
      if (this.inflight.get(digest) === d) this.inflight.delete(digest);
      serve();
      this.events.onDetach?.(digest);
      if (this.pendingFills.has(digest) || this.inflight.has(digest)) return;
      fill = startFill;
      this.pendingFills.set(digest, startFill);
    };
    const opened = open();
    const ready = opened.then((s) => { d.expectedSize = s.size; return { size: s.size }; });
    ready.catch(() => {});
    this.ready.set(d, ready);
    (async () => {
      try {
        const src = await opened;
        await d.run(src.body, (err, size) => {
          if (err || d.detached || this.entries.has(digest)) return leave(err !== undefined && !(err instanceof NoReadersLeftError));
          this.entries.set(digest, { size, pins: 0, touchedAt: Date.now() });
          this.total += size;
          this.events.onSize?.(this.total);
          leave(false);
        });
        await this.evict();
      } catch (e) {
        leave(!(e instanceof NoReadersLeftError));
        if (!d.error) { d.error = e as Error; d.emit('progress'); }
      }
    })();
    return d;
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
