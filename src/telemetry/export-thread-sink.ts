/**
 * An EncodedExportSink that hands each encoded batch to a worker thread (otlp-export-worker.ts)
 * which sends it: the batch's bytes move without a copy (they are transferred), and the HTTP
 * request, its socket writes and their system calls leave the thread that serves pulls. On a
 * loaded gateway that thread is the bottleneck while the others idle (bench/telemetry.ts).
 * The thread starts with the first batch; if it dies, the batches it held fail (reported by the
 * processor like any failed export) and the next batch starts a new one.
 */
import { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { EncodedExport, EncodedExportSink } from './encoding-span-processor.js';
import type { OtlpExporterOptions } from './otlp-exporter.js';

export type ExportThreadRequest =
  | { kind: 'export'; id: number; bytes: Uint8Array; spans: number }
  | { kind: 'shutdown' };

export type ExportThreadReply =
  | { kind: 'done'; id: number; code: ExportResultCode; error?: string }
  | { kind: 'closed' };

const WORKER_NAME = 'portcullis-otlp-export';

/**
 * The worker, from the module compiled next to this one (dist/). Run from the TypeScript source
 * (tests, benchmarks through tsx), it registers tsx's loader first: a worker thread does not
 * inherit the loader hooks of `--import tsx`.
 */
function startWorker(opts: OtlpExporterOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./otlp-export-worker.js', import.meta.url), { workerData: opts, name: WORKER_NAME });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const source = JSON.stringify(new URL('./otlp-export-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((api) => { api.register(); return import(${source}); })`, { eval: true, workerData: opts, name: WORKER_NAME });
}

/** A running export thread and the batches it holds (by id), each waiting for its result. */
interface ExportThread {
  worker: Worker;
  pending: Map<number, (result: ExportResult) => void>;
}

export function createExportThreadSink(opts: OtlpExporterOptions): EncodedExportSink {
  let current: ExportThread | undefined;
  let nextId = 0;
  let closed: (() => void) | undefined;

  const start = (): ExportThread => {
    const worker = startWorker(opts);
    const thread: ExportThread = { worker, pending: new Map() };
    /** The thread is gone (an uncaught error, or it exited): what it held fails, the next batch starts another. */
    const lost = (error: Error) => {
      if (current === thread) current = undefined;
      const waiting = [...thread.pending.values()];
      thread.pending.clear();
      for (const done of waiting) done({ code: ExportResultCode.FAILED, error });
    };
    worker.unref(); // an idle thread never keeps the process up; one with a batch in flight does (see export)
    worker.on('message', (m: ExportThreadReply) => {
      if (m.kind === 'closed') {
        closed?.();
        return;
      }
      const done = thread.pending.get(m.id);
      thread.pending.delete(m.id);
      if (thread.pending.size === 0) worker.unref();
      done?.(m.code === ExportResultCode.SUCCESS ? { code: m.code } : { code: m.code, error: new Error(m.error ?? 'export failed') });
    });
    worker.on('error', (e) => lost(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => {
      lost(new Error(`the OTLP export thread exited (code ${code})`));
      closed?.();
    });
    return thread;
  };

  return {
    export(batch: EncodedExport, done: (result: ExportResult) => void): void {
      const thread = (current ??= start());
      const id = nextId++;
      thread.pending.set(id, done);
      if (thread.pending.size === 1) thread.worker.ref(); // a batch in flight (the last one, at shutdown) keeps the process up until it is sent
      const bytes = batch.bytes;
      // transferred when the bytes own their whole buffer (the encoder's batches do), else copied
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      const message: ExportThreadRequest = { kind: 'export', id, bytes, spans: batch.spans };
      thread.worker.postMessage(message, whole ? [bytes.buffer as ArrayBuffer] : []);
    },
    async shutdown(): Promise<void> {
      const thread = current;
      if (!thread) return;
      thread.worker.ref();
      await new Promise<void>((resolve) => {
        closed = resolve;
        const message: ExportThreadRequest = { kind: 'shutdown' };
        thread.worker.postMessage(message);
      });
      current = undefined;
      await thread.worker.terminate();
    },
  };
}
