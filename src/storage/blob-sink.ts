/**
 * Where a download's bytes go besides its clients: a digest and a temp file. Two sinks do the same
 * job: `InlineSink` on the main thread (small blobs: no hand-off latency), and `WorkerSink`, which
 * hashes and writes on a worker thread (large blobs: sha256 costs ~0.6 CPU-s/GB, and with it off the
 * main thread the event loop only moves bytes between sockets, so clients get network speed on 2 cores).
 * `written` is how many bytes are in the file, `processed` how many the sink is done with (hashed,
 * and written unless detached); `onProgress` fires as they grow. `detach()` stops the file writes
 * (the download then only hashes; see Download's detached mode).
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { DigestWorker, type DigestJob } from './digest-worker.js';

export interface BlobSink {
  /** bytes in the file */
  readonly written: number;
  /** bytes the sink no longer needs in memory */
  readonly processed: number;
  /** set once a write failed */
  readonly error: Error | undefined;
  onProgress: () => void;
  /** queues `chunk` (not copied: the caller must not change it) */
  write(chunk: Buffer): void;
  /** resolves once `written` (or, detached, `processed`) ≥ `bytes`, or the sink failed */
  until(bytes: number): Promise<void>;
  /** no more file writes: what is written stays, later bytes are only hashed */
  detach(): void;
  /** every byte written and the file closed: the hex digest */
  finish(): Promise<string>;
  /** stops and closes the file (the caller removes it) */
  abort(): Promise<void>;
}

/** Blobs at least this large (or of unknown size) are hashed and written on the worker. */
export const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Downloads that serve clients and downloads that only fill the cache get separate workers, so a
 * fill blocked on a slow disk never delays the hashing that clients wait for.
 */
export type SinkLane = 'serve' | 'fill';
const workers = new Map<SinkLane, DigestWorker>();

/** How a download opens its sink (tests pass their own). */
export type SinkOpener = typeof openSink;

export async function openSink(path: string, algorithm: 'sha256' | 'sha512', expectedSize: number | undefined, lane: SinkLane = 'serve'): Promise<BlobSink> {
  if (expectedSize !== undefined && expectedSize < WORKER_MIN_BYTES) return InlineSink.open(path, algorithm);
  return new WorkerSink(worker(lane).start(path, algorithm));
}

function worker(lane: SinkLane): DigestWorker {
  let w = workers.get(lane);
  if (!w || w.dead) workers.set(lane, w = new DigestWorker());
  return w;
}

/**
 * Starts the clients' worker ahead of the first large download: a worker takes tens of milliseconds
 * to boot, and a download whose sink has not started yet would look like one whose disk fell behind.
 * (Fills never detach: their worker starts when first needed.)
 */
export function warmSinks(): void {
  worker('serve');
}

abstract class BaseSink {
  written = 0;
  processed = 0;
  detached = false;
  error: Error | undefined;
  onProgress: () => void = () => {};
  private waiters: Array<{ bytes: number; resolve: () => void }> = [];

  private reached(bytes: number): boolean {
    return (this.detached ? this.processed : this.written) >= bytes || this.error !== undefined;
  }

  protected progressed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.reached(w.bytes)) { w.resolve(); return false; }
      return true;
    });
    this.onProgress();
  }

  until(bytes: number): Promise<void> {
    if (this.reached(bytes)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }
}

/** Hash on the main thread; writes batched (writev of every chunk queued meanwhile). */
class InlineSink extends BaseSink implements BlobSink {
  private readonly queue: Buffer[] = [];
  private flushing: Promise<void> | undefined;
  private hashed = 0;

  private constructor(private readonly fh: FileHandle, private readonly hash: Hash) {
    super();
  }

  static async open(path: string, algorithm: 'sha256' | 'sha512'): Promise<InlineSink> {
    return new InlineSink(await open(path, 'w'), createHash(algorithm));
  }

  write(chunk: Buffer): void {
    this.hash.update(chunk);
    this.hashed += chunk.length;
    if (this.detached) {
      if (!this.flushing) { this.processed = this.hashed; this.progressed(); }
      return;
    }
    this.queue.push(chunk);
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
      if (this.detached) { this.processed = this.hashed; this.progressed(); }
    });
  }

  detach(): void {
    this.detached = true;
    this.queue.length = 0; // the batch being written (if any) finishes; nothing after it
    if (!this.flushing) { this.processed = this.hashed; this.progressed(); }
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.error) {
        let batch = this.queue.splice(0);
        let bytes = batch.reduce((n, b) => n + b.length, 0);
        while (bytes > 0) {
          const { bytesWritten } = await this.fh.writev(batch, this.written);
          this.written += bytesWritten;
          bytes -= bytesWritten;
          if (bytes > 0) batch = skip(batch, bytesWritten);
        }
        this.processed = this.written;
        this.progressed();
      }
    } catch (e) {
      this.error = e as Error;
      this.progressed();
    }
  }

  async finish(): Promise<string> {
    await this.flushing;
    if (this.error) throw this.error;
    await this.fh.close();
    return this.hash.digest('hex');
  }

  async abort(): Promise<void> {
    this.error ??= new Error('aborted');
    this.queue.length = 0;
    await this.flushing;
    await this.fh.close().catch(() => {});
  }
}

/** Hash and writes on the shared worker thread. */
class WorkerSink extends BaseSink implements BlobSink {
  constructor(private readonly job: DigestJob) {
    super();
    job.onWritten = (written, processed) => { this.written = written; this.processed = processed; this.progressed(); };
    job.onError = (e) => { this.error ??= e; this.progressed(); };
  }

  write(chunk: Buffer): void {
    this.job.write(chunk);
  }

  detach(): void {
    this.detached = true;
    this.job.detach();
  }

  async finish(): Promise<string> {
    if (this.error) throw this.error;
    return this.job.end();
  }

  async abort(): Promise<void> {
    this.error ??= new Error('aborted');
    await this.job.abort();
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
