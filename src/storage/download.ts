/**
 * One upstream blob download shared by every client that asks for the digest while it runs.
 * Bytes are hashed as they arrive and go to a temp file; each client streams from its own offset:
 * recent bytes come straight from memory (the chunks waiting for the disk plus a window of the last
 * ones written), older bytes from the file. So the first client is served at network speed (like
 * distribution's TeeReader), and a later client streams the bytes already arriving instead of
 * starting a second upstream GET.
 * Writes are batched (writev of every chunk that arrived meanwhile) and bounded (MAX_PENDING).
 * On completion the digest is checked: a match is renamed into the cache, a mismatch fails every reader
 * (their connections are aborted) and nothing is cached. The download outlives client disconnects.
 */
import { createHash, type Hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { algorithmOf } from './digest.js';
import { sendChunks } from './send-chunks.js';

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`blob content does not match its digest: expected ${expected}, got ${actual}`);
  }
}

/** Largest read from the file for a client that is behind. */
const FILE_READ = 64 * 1024;
/** Bytes received but not yet written before the upstream is no longer read (backpressure). */
const MAX_PENDING = 4 * 1024 * 1024;
/** Bytes already written that stay in memory for clients close behind the head. */
const WINDOW = 4 * 1024 * 1024;
/** How long the download waits at most for its fastest client (see pace) before it reads on. */
const PACE_WAIT_MS = 2_000;
/** What a client stream buffers ahead of its socket. */
const READER_HIGH_WATER = 64 * 1024;

export class Download extends EventEmitter {
  /** bytes in the temp file */
  written = 0;
  /** bytes received from upstream (and hashed) */
  received = 0;
  done = false;
  error: Error | undefined;
  readers = 0;
  private readonly hash: Hash;
  /** recent chunks, covering [windowStart, received): the first `window.length - unwritten` are on disk */
  private readonly window: Buffer[] = [];
  private windowStart = 0;
  /** how many chunks at the end of `window` are not written yet */
  private unwritten = 0;
  /** where the most recent chunk starts: until the digest is verified, readers stop here */
  private lastChunkStart = 0;
  /** next byte of each open client cursor */
  private readonly cursors = new Set<{ pos: number }>();
  /** set while pace() waits: called when a cursor moves or closes */
  private paced: (() => void) | undefined;
  /** false once a client stalled past PACE_WAIT_MS: from then on the download runs at full speed */
  private pacing = true;
  /** true while flush() runs; set and cleared synchronously with its last look at `unwritten` */
  private flushing = false;

  /** Content-Length announced by the upstream, if any */
  expectedSize: number | undefined;

  constructor(
    readonly digest: string,
    private readonly tmpPath: string,
    private readonly finalPath: string,
  ) {
    super();
    this.setMaxListeners(0);
    this.hash = createHash(algorithmOf(digest));
  }

  /** Writes every pending chunk (in batches, as they keep arriving) until none is left. */
  private async flush(fh: FileHandle): Promise<void> {
    this.flushing = true;
    try {
      await this.writePending(fh);
    } finally {
      this.flushing = false;
    }
  }

  private async writePending(fh: FileHandle): Promise<void> {
    while (this.unwritten > 0) {
      const count = this.unwritten;
      let batch = this.window.slice(this.window.length - count);
      let bytes = batch.reduce((n, b) => n + b.length, 0);
      let at = this.written;
      while (bytes > 0) {
        const { bytesWritten } = await fh.writev(batch, at);
        at += bytesWritten;
        bytes -= bytesWritten;
        if (bytes > 0) batch = skip(batch, bytesWritten);
      }
      this.unwritten -= count;
      this.written = at;
      // Keep the last WINDOW bytes in memory; older chunks are read back from the file.
      while (this.window.length > this.unwritten && this.received - this.windowStart - this.window[0]!.length >= WINDOW) {
        this.windowStart += this.window.shift()!.length;
      }
      this.emit('progress');
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
    let fh: FileHandle | undefined;
    let writing: Promise<void> | undefined;
    let writeError: Error | undefined;
    try {
      fh = await open(this.tmpPath, 'w');
      const file = fh;
      for await (const data of source) {
        if (data.length === 0) continue;
        const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
        this.hash.update(chunk);
        this.window.push(chunk);
        this.unwritten++;
        this.lastChunkStart = this.received;
        this.received += chunk.length;
        this.emit('progress');
        if (!this.flushing) writing = this.flush(file).catch((e: Error) => { writeError ??= e; });
        if (writeError) throw writeError;
        if (this.received - this.written > MAX_PENDING) await writing;
        await this.pace();
      }
      await writing;
      if (writeError) throw writeError;
      await fh.close();
      fh = undefined;
      const actual = `${algorithmOf(this.digest)}:${this.hash.digest('hex')}`;
      if (actual !== this.digest) throw new DigestMismatchError(this.digest, actual);
      if (this.expectedSize !== undefined && this.expectedSize !== this.written) {
        throw new Error(`upstream sent ${this.written} bytes, announced ${this.expectedSize}`);
      }
      await rename(this.tmpPath, this.finalPath);
      settle(undefined, this.written);
      this.done = true;
      this.window.length = 0; // readers continue from the cached file
      this.windowStart = this.received;
      this.unwritten = 0;
      this.emit('progress');
      return this.written;
    } catch (e) {
      await writing;
      await fh?.close().catch(() => {});
      await rm(this.tmpPath, { force: true });
      this.window.length = 0;
      this.unwritten = 0;
      settle(e as Error, this.written);
      this.error = e as Error;
      this.emit('progress');
      throw e;
    }
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
      return await open(this.done ? this.finalPath : this.tmpPath, 'r');
    } catch (e) {
      // renamed between the check and the open
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return open(this.finalPath, 'r');
      throw e;
    }
  }

  /**
   * A cursor over bytes [start, end] (inclusive end) that waits for bytes still arriving. `next(buf)`
   * gives the next bytes: a view of memory, or read from the file into `buf` (a fresh buffer when none
   * is given); null at the end. `close()` releases it.
   */
  private cursor(start: number, end: number | undefined) {
    const self = this;
    const at = { pos: start };
    let fh: FileHandle | undefined;
    let waiting: (() => void) | undefined;
    const wake = () => { const w = waiting; waiting = undefined; w?.(); };
    self.readers++;
    self.cursors.add(at);
    self.on('progress', wake);
    return {
      async next(buf?: Buffer): Promise<Buffer | null> {
        for (;;) {
          if (self.error) throw self.error;
          // Until the digest is verified the last chunk is held back, so a client can never
          // receive a complete body whose digest turns out wrong: on a mismatch it sees a truncated stream.
          const available = self.done ? self.received : self.lastChunkStart;
          const limit = end === undefined ? available : Math.min(available, end + 1);
          if (at.pos < limit) {
            const view = self.fromMemory(at.pos, limit);
            if (view) {
              at.pos += view.length;
              self.paced?.();
              return view;
            }
            fh ??= await self.openForRead();
            const len = Math.min(buf?.length ?? FILE_READ, Math.min(limit, self.written) - at.pos);
            const target = buf ?? Buffer.allocUnsafe(len);
            const { bytesRead } = await fh.read(target, 0, len, at.pos);
            if (bytesRead === 0) throw new Error('blob file shrank while reading');
            at.pos += bytesRead;
            self.paced?.();
            return bytesRead === target.length ? target : target.subarray(0, bytesRead);
          }
          if (self.done || (end !== undefined && at.pos > end)) return null;
          await new Promise<void>((r) => { waiting = r; });
        }
      },
      async close(): Promise<void> {
        self.off('progress', wake);
        if (self.cursors.delete(at)) self.readers--;
        self.paced?.();
        wake();
        const f = fh;
        fh = undefined;
        await f?.close();
      },
    };
  }

  /** A stream of bytes [start, end] (inclusive end) that waits for bytes still arriving. */
  reader(start = 0, end?: number): Readable {
    const cursor = this.cursor(start, end);
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
    const cursor = this.cursor(start, end);
    try {
      return await sendChunks((buf) => cursor.next(buf), write);
    } finally {
      await cursor.close().catch(() => {});
    }
  }
}

/** The buffers after the first `n` bytes. */
function skip(buffers: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (n >= b.length) { n -= b.length; continue; }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}
