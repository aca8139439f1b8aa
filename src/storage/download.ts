/**
 * One upstream blob download shared by every client that asks for the digest while it runs.
 * Bytes are hashed as they arrive and go to a temp file (a BlobSink: on a worker thread for large
 * blobs); each client streams from its own offset:
 * recent bytes come straight from memory (the chunks waiting for the disk plus a window of the last
 * ones written), older bytes from the file. So the first client is served at network speed (like
 * distribution's TeeReader), and a later client streams the bytes already arriving instead of
 * starting a second upstream GET.
 * Bytes not yet in the file are bounded (MAX_PENDING): beyond that the upstream is not read.
 * On completion the digest is checked: a match is renamed into the cache, a mismatch fails every reader
 * (their connections are aborted) and nothing is cached. The download outlives client disconnects.
 *
 * Detached mode: when the disk falls MAX_PENDING behind while the clients keep up with the network
 * (each has read everything on disk), the download stops writing (`onDetach` lets the store fill the
 * cache with a second, cache-only download, as distribution's proxy always does) and serves its
 * clients from memory at network speed, still hashing every byte and still holding back the last
 * chunk until the digest is verified. Memory stays bounded: the upstream is read at most
 * DETACHED_AHEAD past the slowest client, and a client stalled for PACE_WAIT_MS is cut off (it
 * retries and is served from the cache copy). Once no client is left it stops (the fill still runs).
 *
 * Roles: 'cache' (the default) writes the cache and may detach; 'fill' writes the cache and waits for
 * the disk; 'pass' is detached from the start (clients arriving while a fill is behind).
 */
import { EventEmitter } from 'node:events';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { openSink, type BlobSink, type SinkOpener } from './blob-sink.js';
import { Readable } from 'node:stream';
import { algorithmOf } from './digest.js';
import { sendChunks } from './send-chunks.js';
import { readSlabs } from '../buffers/slab-pool.js';

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`blob content does not match its digest: expected ${expected}, got ${actual}`);
  }
}

/** Largest read from the file for a client that is behind. */
const FILE_READ = 64 * 1024;
/** Bytes received but not yet written before the upstream is no longer read (backpressure). */
const MAX_PENDING = 8 * 1024 * 1024;
/** Bytes already written that stay in memory for clients close behind the head. */
const WINDOW = 4 * 1024 * 1024;
/** How long the download waits at most for its fastest client (see pace) before it reads on. */
const PACE_WAIT_MS = 2_000;
/** Detached: how far the upstream may run ahead of the slowest client. */
const DETACHED_AHEAD = 8 * 1024 * 1024;

export type DownloadRole = 'cache' | 'fill' | 'pass';

/** A detached download whose clients all left: nothing more to do. */
export class NoReadersLeftError extends Error {
  constructor() { super('every client of a download that is not being cached went away'); }
}
/** What a client stream buffers ahead of its socket. */
const READER_HIGH_WATER = 64 * 1024;

export class Download extends EventEmitter {
  /** bytes in the temp file */
  written = 0;
  /** bytes the sink is done with (their memory may be reused) */
  private processed = 0;
  /** the file writes stopped (see the header); the blob is not cached by this download */
  detached = false;
  /** called once when the download detaches */
  onDetach: (() => void) | undefined;
  /** a client cursor was opened at some point */
  private everRead = false;
  /** bytes received from upstream (and hashed) */
  received = 0;
  done = false;
  error: Error | undefined;
  readers = 0;
  /** recent chunks, covering [windowStart, received); those below `written` are also on disk */
  private readonly window: Buffer[] = [];
  private windowStart = 0;
  /** where the most recent chunk starts: until the digest is verified, readers stop here */
  private lastChunkStart = 0;
  /** next byte of each open client cursor; `cut` once it was dropped for stalling (detached mode) */
  private readonly cursors = new Set<{ pos: number; cut?: Error }>();
  /** set while pace() waits: called when a cursor moves or closes */
  private paced: (() => void) | undefined;
  /** false once a client stalled past PACE_WAIT_MS: from then on the download runs at full speed */
  private pacing = true;

  /** Content-Length announced by the upstream, if any */
  expectedSize: number | undefined;

  constructor(
    readonly digest: string,
    private readonly tmpPath: string,
    private readonly finalPath: string,
    readonly role: DownloadRole = 'cache',
    private readonly sinks: SinkOpener = openSink,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /**
   * Drops chunks that are on disk and more than WINDOW behind the head (older bytes are read back from
   * the file); detached, chunks every client has passed and the sink is done with.
   */
  private trimWindow(): void {
    const keepFrom = this.detached ? Math.min(this.slowest(), this.processed) : Math.min(this.written, this.received - WINDOW);
    while (this.window.length > 0 && this.windowStart + this.window[0]!.length <= keepFrom) {
      const chunk = this.window.shift()!;
      this.windowStart += chunk.length;
      readSlabs.release(chunk);
    }
  }

  /** Empties the window, giving pooled chunks back (the sink is done with them). */
  private dropWindow(): void {
    for (const chunk of this.window) readSlabs.release(chunk);
    this.window.length = 0;
  }

  /** The position of the slowest open client; without clients 0 until one came (a pass-through's first), then Infinity. */
  private slowest(): number {
    if (this.cursors.size === 0) return this.everRead ? Infinity : 0;
    let min = Infinity;
    for (const c of this.cursors) min = Math.min(min, c.pos);
    return min;
  }

  /** Detached and still holding every byte from the start: a new client can join at offset 0. */
  joinableFromStart(): boolean {
    return this.detached && !this.done && !this.error && this.windowStart === 0;
  }

  /** A client cursor moved or closed. */
  private moved(): void {
    this.paced?.();
    if (this.detached) this.trimWindow();
  }

  private detach(sink: BlobSink): void {
    this.detached = true;
    sink.detach();
    this.onDetach?.();
  }

  /**
   * Detached mode's bounds: the sink keeps up (its memory), and the slowest client stays within
   * DETACHED_AHEAD; one that does not move for PACE_WAIT_MS is cut off.
   */
  private async keepUp(sink: BlobSink): Promise<void> {
    if (this.received - sink.processed > MAX_PENDING) await sink.until(this.received - MAX_PENDING / 2);
    if (this.everRead && this.cursors.size === 0) throw new NoReadersLeftError();
    while (this.received - this.slowest() > DETACHED_AHEAD) {
      const moved = await new Promise<boolean>((resolve) => {
        const done = (v: boolean) => { clearTimeout(timer); this.paced = undefined; resolve(v); };
        const timer = setTimeout(() => done(false), PACE_WAIT_MS);
        this.paced = () => { if (this.received - this.slowest() <= DETACHED_AHEAD / 2) done(true); };
      });
      if (moved) continue;
      if (this.cursors.size === 0) throw new NoReadersLeftError(); // a pass-through's client never came
      const min = this.slowest();
      for (const c of this.cursors) {
        if (c.pos !== min) continue;
        c.cut = new Error('the client fell too far behind a blob download that is not being cached');
        this.cursors.delete(c);
        this.readers--;
      }
      this.trimWindow();
      this.emit('progress'); // wakes the cut cursors
    }
  }

  /** How far the fastest open client is behind the bytes it could read; 0 without clients. */
  private lag(): number {
    if (this.cursors.size === 0) return 0;
    let lead = 0;
    for (const c of this.cursors) lead = Math.max(lead, c.pos);
    return this.lastChunkStart - lead;
  }

  /**
   * Lets the fastest client keep up, as distribution's proxy does by copying at its client's pace:
   * while every open client is more than WINDOW behind, the upstream is not read, so the fastest
   * one is served from memory rather than from the file. Without clients the download runs at full
   * speed; once the fastest client has stalled for PACE_WAIT_MS, it runs at full speed for good.
   */
  private async pace(): Promise<void> {
    if (!this.pacing || this.lag() <= WINDOW) return;
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timer); this.paced = undefined; resolve(); };
      const timer = setTimeout(() => { this.pacing = false; done(); }, PACE_WAIT_MS);
      this.paced = () => { if (this.lag() <= WINDOW / 2) done(); };
    });
  }

  /** Pumps the upstream body into the temp file. Resolves with the size once verified and renamed. */
  async run(source: AsyncIterable<Uint8Array>, settle: (error: Error | undefined, size: number) => void = () => {}): Promise<number> {
    let sink: BlobSink | undefined;
    try {
      sink = await this.sinks(this.tmpPath, algorithmOf(this.digest), this.expectedSize, this.role === 'fill' ? 'fill' : 'serve');
      const s = sink;
      if (this.role === 'pass') { this.detached = true; s.detach(); }
      s.onProgress = () => { this.written = s.written; this.processed = s.processed; this.trimWindow(); this.emit('progress'); };
      for await (const data of source) {
        if (data.length === 0) continue;
        const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
        s.write(chunk);
        this.window.push(chunk);
        this.lastChunkStart = this.received;
        this.received += chunk.length;
        this.emit('progress');
        if (s.error) throw s.error;
        if (!this.detached && this.received - this.written > MAX_PENDING) {
          // Detach only when the disk is running (a sink still starting up is not a slow disk) and the
          // clients keep up with the network (each has read everything on disk): a client slower than
          // the disk gains nothing from it and would be cut off in detached mode.
          if (this.role === 'cache' && this.written > 0 && this.cursors.size > 0 && this.slowest() >= this.written) this.detach(s);
          else await s.until(this.received - MAX_PENDING / 2);
        }
        if (this.detached) await this.keepUp(s);
        else await this.pace();
        if (s.error) throw s.error;
      }
      const hex = await s.finish();
      sink = undefined;
      const actual = `${algorithmOf(this.digest)}:${hex}`;
      if (actual !== this.digest) throw new DigestMismatchError(this.digest, actual);
      if (this.expectedSize !== undefined && this.expectedSize !== this.received) {
        throw new Error(`upstream sent ${this.received} bytes, announced ${this.expectedSize}`);
      }
      if (this.detached) {
        // Verified, not cached: clients finish from memory (and the partial file), which go when the last one closes.
        this.processed = this.received;
        settle(undefined, this.received);
        this.done = true;
        this.trimWindow();
        this.emit('progress');
        this.releaseWhenUnread();
        return this.received;
      }
      this.written = this.received;
      await rename(this.tmpPath, this.finalPath);
      settle(undefined, this.written);
      this.done = true;
      this.dropWindow(); // readers continue from the cached file
      this.windowStart = this.received;
      this.emit('progress');
      return this.written;
    } catch (e) {
      await sink?.abort();
      await rm(this.tmpPath, { force: true });
      this.dropWindow();
      settle(e as Error, this.written);
      this.error = e as Error;
      this.emit('progress');
      throw e;
    }
  }

  /** Detached and done: the window and the partial file go once no client reads them. */
  private releaseWhenUnread(): void {
    if (!(this.detached && this.done) || this.readers > 0) return;
    this.dropWindow();
    this.windowStart = this.received;
    rm(this.tmpPath, { force: true }).catch(() => {});
  }

  /** Bytes [pos, limit) from the in-memory window, as a view of one chunk; undefined if only on disk. */
  private fromMemory(pos: number, limit: number): Buffer | undefined {
    if (pos < this.windowStart) return undefined;
    let offset = this.windowStart;
    for (const chunk of this.window) {
      if (pos < offset + chunk.length) return chunk.subarray(pos - offset, Math.min(chunk.length, limit - offset));
      offset += chunk.length;
    }
    return undefined;
  }

  private async openForRead(): Promise<FileHandle> {
    try {
      return await open(this.done && !this.detached ? this.finalPath : this.tmpPath, 'r');
    } catch (e) {
      // renamed between the check and the open
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return open(this.finalPath, 'r');
      throw e;
    }
  }

  /**
   * A cursor over bytes [start, end] (inclusive end) that waits for bytes still arriving. `next(buffer)`
   * gives the next bytes: a view of memory, or read from the file into `buffer()` (a fresh buffer
   * when none is given); null at the end. `close()` releases it.
   */
  private cursor(start: number, end: number | undefined, mode: 'send' | 'stream') {
    const self = this;
    const at: { pos: number; cut?: Error } = { pos: start };
    let fh: FileHandle | undefined;
    let waiting: (() => void) | undefined;
    const wake = () => { const w = waiting; waiting = undefined; w?.(); };
    self.readers++;
    self.everRead = true;
    self.cursors.add(at);
    self.on('progress', wake);
    return {
      async next(buffer?: () => Buffer): Promise<Buffer | null> {
        for (;;) {
          if (at.cut) throw at.cut;
          if (self.error) throw self.error;
          // Until the digest is verified the last chunk is held back, so a client can never
          // receive a complete body whose digest turns out wrong: on a mismatch it sees a truncated stream.
          const available = self.done ? self.received : self.lastChunkStart;
          const limit = end === undefined ? available : Math.min(available, end + 1);
          if (at.pos < limit) {
            const view = self.fromMemory(at.pos, limit);
            if (view) {
              at.pos += view.length;
              // A pooled slab is reused once every holder let go: send() holds it until the socket took
              // the bytes; a stream's consumer may keep chunks for any time, so it gets a copy. Either
              // happens before moved(), which may trim (release) the window's own hold on the chunk.
              let out = view;
              if (readSlabs.owns(view)) {
                if (mode === 'stream') out = Buffer.from(view);
                else readSlabs.take(view);
              }
              self.moved();
              return out;
            }
            fh ??= await self.openForRead();
            const buf = buffer?.();
            const len = Math.min(buf?.length ?? FILE_READ, Math.min(limit, self.written) - at.pos);
            const target = buf ?? Buffer.allocUnsafe(len);
            const { bytesRead } = await fh.read(target, 0, len, at.pos);
            if (bytesRead === 0) throw new Error('blob file shrank while reading');
            at.pos += bytesRead;
            self.moved();
            return bytesRead === target.length ? target : target.subarray(0, bytesRead);
          }
          if (self.done || (end !== undefined && at.pos > end)) return null;
          await new Promise<void>((r) => { waiting = r; });
        }
      },
      async close(): Promise<void> {
        self.off('progress', wake);
        if (self.cursors.delete(at)) self.readers--;
        self.moved();
        self.releaseWhenUnread();
        wake();
        const f = fh;
        fh = undefined;
        await f?.close();
      },
    };
  }

  /** A stream of bytes [start, end] (inclusive end) that waits for bytes still arriving. */
  reader(start = 0, end?: number): Readable {
    const cursor = this.cursor(start, end, 'stream');
    return new Readable({
      highWaterMark: READER_HIGH_WATER,
      async read() {
        try {
          this.push(await cursor.next());
        } catch (e) {
          this.destroy(e as Error);
        }
      },
      destroy(err, cb) {
        cursor.close().then(() => cb(err), () => cb(err));
      },
    });
  }

  /** Sends bytes [start, end] through `write` with two reused buffers (see sendChunks); resolves with the bytes sent. */
  async send(start: number, end: number | undefined, write: (chunk: Buffer) => Promise<void>): Promise<number> {
    const cursor = this.cursor(start, end, 'send');
    try {
      return await sendChunks((buffer) => cursor.next(buffer), async (chunk) => {
        try {
          await write(chunk);
        } finally {
          readSlabs.release(chunk); // no-op unless it is a pooled view next() took
        }
      });
    } finally {
      await cursor.close().catch(() => {});
    }
  }
}
