/**
 * A worker thread that hashes blobs and appends them to their temp files, for many downloads at once
 * (one job per download). Chunks are copied into a transferred buffer (a memcpy, ~0.05 s/GB), so the
 * main thread keeps serving clients from its own copy. The worker answers each write with the bytes
 * now in the file, and `end` with the hex digest. The source is plain JavaScript (no loader needed
 * under tsx or from dist/).
 */
import { Worker } from 'node:worker_threads';

const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const jobs = new Map();
parentPort.on('message', (m) => {
  const job = jobs.get(m.id);
  try {
    if (m.op === 'start') {
      jobs.set(m.id, { fd: fs.openSync(m.path, 'w'), hash: createHash(m.algorithm), written: 0, processed: 0, failed: false });
    } else if (m.op === 'write') {
      if (!job || job.failed) return;
      const c = m.chunk;
      job.hash.update(c);
      if (job.fd !== undefined) {
        let off = 0;
        while (off < c.length) off += fs.writeSync(job.fd, c, off, c.length - off, job.written + off);
        job.written += c.length;
      }
      job.processed += c.length;
      parentPort.postMessage({ id: m.id, written: job.written, processed: job.processed });
    } else if (m.op === 'detach') {
      if (job && job.fd !== undefined) { fs.closeSync(job.fd); job.fd = undefined; }
    } else if (m.op === 'end') {
      jobs.delete(m.id);
      if (job.fd !== undefined) fs.closeSync(job.fd);
      parentPort.postMessage({ id: m.id, digest: job.hash.digest('hex') });
    } else if (m.op === 'abort') {
      jobs.delete(m.id);
      if (job && job.fd !== undefined) fs.closeSync(job.fd);
      parentPort.postMessage({ id: m.id, aborted: true });
    }
  } catch (e) {
    if (job) job.failed = true;
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e), code: e && e.code });
  }
});
`;

type Reply = { id: number; written?: number; processed?: number; digest?: string; aborted?: boolean; error?: string; code?: string };

export interface DigestJob {
  /** bytes in the file, and bytes hashed (and written unless detached) */
  onWritten: (written: number, processed: number) => void;
  onError: (e: Error) => void;
  write(chunk: Buffer): void;
  /** closes the file: later chunks are only hashed */
  detach(): void;
  /** resolves with the hex digest once every write is in the file and it is closed */
  end(): Promise<string>;
  abort(): Promise<void>;
}

interface JobState {
  job: DigestJob;
  ended?: { resolve: (hex: string) => void; reject: (e: Error) => void };
  aborted?: () => void;
}

export class DigestWorker {
  private readonly worker: Worker;
  private readonly jobs = new Map<number, JobState>();
  private nextId = 1;
  /** set once the worker exited: openSink starts a new one */
  dead: Error | undefined;

  constructor() {
    this.worker = new Worker(SOURCE, { eval: true, name: 'portcullis digest' });
    this.worker.on('message', (m: Reply) => this.reply(m));
    this.worker.on('error', (e) => this.die(e));
    this.worker.on('exit', (code) => this.die(new Error(`the digest worker exited (code ${code})`)));
    this.worker.unref(); // after the listeners: attaching a 'message' listener refs the worker again
  }

  private reply(m: Reply): void {
    const s = this.jobs.get(m.id);
    if (!s) return;
    if (m.written !== undefined) s.job.onWritten(m.written, m.processed ?? m.written);
    else if (m.digest !== undefined) { this.forget(m.id); s.ended?.resolve(m.digest); }
    else if (m.aborted) { this.forget(m.id); s.aborted?.(); }
    else if (m.error !== undefined) {
      const e = Object.assign(new Error(m.error), m.code ? { code: m.code } : {});
      s.job.onError(e);
      if (s.ended) { this.forget(m.id); s.ended.reject(e); }
    }
  }

  private forget(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.worker.unref();
  }

  private die(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    for (const [id, s] of this.jobs) {
      this.jobs.delete(id);
      s.job.onError(e);
      s.ended?.reject(e);
      s.aborted?.();
    }
  }

  start(path: string, algorithm: 'sha256' | 'sha512'): DigestJob {
    const id = this.nextId++;
    const post = (m: object, transfer?: ArrayBuffer[]) => {
      if (this.dead) throw this.dead;
      this.worker.postMessage({ id, ...m }, transfer);
    };
    const state: JobState = {
      job: {
        onWritten: () => {},
        onError: () => {},
        write: (chunk) => {
          if (chunk.buffer instanceof SharedArrayBuffer) return post({ op: 'write', chunk }); // shared memory: no copy
          const copy = Buffer.allocUnsafeSlow(chunk.length); // its own ArrayBuffer, not zero-filled
          chunk.copy(copy);
          post({ op: 'write', chunk: copy }, [copy.buffer as ArrayBuffer]);
        },
        detach: () => { try { post({ op: 'detach' }); } catch { /* dead: the job already failed */ } },
        end: () => new Promise<string>((resolve, reject) => {
          state.ended = { resolve, reject };
          try { post({ op: 'end' }); } catch (e) { this.forget(id); reject(e as Error); }
        }),
        abort: () => new Promise<void>((resolve) => {
          state.aborted = resolve;
          try { post({ op: 'abort' }); } catch { this.forget(id); resolve(); }
        }),
      },
    };
    if (this.dead) {
      const e = this.dead;
      queueMicrotask(() => state.job.onError(e));
      return state.job;
    }
    this.jobs.set(id, state);
    this.worker.ref(); // keep the process up while a job is open
    post({ op: 'start', path, algorithm });
    return state.job;
  }
}
