/**
 * One upstream blob download shared by every client that asks for the digest while it runs.
 * Bytes go to a temp file while being hashed; each client tails that file from its own offset,
 * so a second client streams the bytes already arriving instead of starting a second upstream GET.
 * On completion the digest is checked: a match is renamed into the cache, a mismatch fails every reader
 * (their connections are aborted) and nothing is cached. The download outlives client disconnects.
 */
import { createHash, type Hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { algorithmOf } from './digest.js';

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`blob content does not match its digest: expected ${expected}, got ${actual}`);
  }
}

const CHUNK = 1024 * 1024;

export class Download extends EventEmitter {
  written = 0;
  done = false;
  error: Error | undefined;
  readers = 0;
  private readonly hash: Hash;

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

  /** Pumps the upstream body into the temp file. Resolves with the size once verified and renamed. */
  async run(source: AsyncIterable<Uint8Array>, settle: (error: Error | undefined, size: number) => void = () => {}): Promise<number> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.tmpPath, 'w');
      for await (const chunk of source) {
        this.hash.update(chunk);
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, this.written + off);
          off += bytesWritten;
        }
        this.written += chunk.length;
        this.emit('progress');
      }
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
      this.emit('progress');
      return this.written;
    } catch (e) {
      await fh?.close().catch(() => {});
      await rm(this.tmpPath, { force: true });
      settle(e as Error, this.written);
      this.error = e as Error;
      this.emit('progress');
      throw e;
    }
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

  /** A stream of bytes [start, end] (inclusive end) that waits for bytes still arriving. */
  reader(start = 0, end?: number): Readable {
    const self = this;
    let pos = start;
    let fh: FileHandle | undefined;
    let waiting: (() => void) | undefined;
    const wake = () => { const w = waiting; waiting = undefined; w?.(); };
    self.readers++;
    self.on('progress', wake);
    return new Readable({
      highWaterMark: CHUNK,
      async read() {
        try {
          for (;;) {
            if (self.error) throw self.error;
            // Until the digest is verified the last byte is held back, so a client can never
            // receive a complete body whose digest turns out wrong: on a mismatch it sees a truncated stream.
            const available = self.done ? self.written : Math.max(0, self.written - 1);
            const limit = end === undefined ? available : Math.min(available, end + 1);
            if (pos < limit) {
              fh ??= await self.openForRead();
              const len = Math.min(CHUNK, limit - pos);
              const buf = Buffer.allocUnsafe(len);
              const { bytesRead } = await fh.read(buf, 0, len, pos);
              if (bytesRead === 0) throw new Error('blob file shrank while reading');
              pos += bytesRead;
              this.push(bytesRead === len ? buf : buf.subarray(0, bytesRead));
              return;
            }
            if (self.done || (end !== undefined && pos > end)) { this.push(null); return; }
            await new Promise<void>((r) => { waiting = r; });
          }
        } catch (e) {
          this.destroy(e as Error);
        }
      },
      destroy(err, cb) {
        self.off('progress', wake);
        self.readers--;
        wake();
        const f = fh;
        fh = undefined;
        (f ? f.close() : Promise.resolve()).then(() => cb(err), () => cb(err));
      },
    });
  }
}
