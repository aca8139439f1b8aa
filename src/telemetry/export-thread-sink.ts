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

export function createExportThreadSink(opts: OtlpExporterOptions): EncodedExportSink {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, (result: ExportResult) => void>();
  let closed: (() => void) | undefined;

  const failAll = (error: Error) => {
    for (const done of pending.values()) done({ code: ExportResultCode.FAILED, error });
    pending.clear();
  };

  const start = (): Worker => {
    const w = startWorker(opts);
    w.unref(); // never what keeps the process up: shutdown flushes explicitly
    w.on('message', (m: ExportThreadReply) => {
      if (m.kind === 'closed') {
        closed?.();
        return;
      }
      const done = pending.get(m.id);
      pending.delete(m.id);
      done?.(m.code === ExportResultCode.SUCCESS ? { code: m.code } : { code: m.code, error: new Error(m.error ?? 'export failed') });
    });
    w.on('error', (e) => failAll(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`the OTLP export thread exited (code ${code})`));
      closed?.();
    });
    return w;
  };

  return {
    export(batch: EncodedExport, done: (result: ExportResult) => void): void {
      const w = (worker ??= start());
      const id = nextId++;
      pending.set(id, done);
      const bytes = batch.bytes;
      // transferred when the bytes own their whole buffer (the encoder's batches do), else copied
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      const message: ExportThreadRequest = { kind: 'export', id, bytes, spans: batch.spans };
      w.postMessage(message, whole ? [bytes.buffer as ArrayBuffer] : []);
    },
    async shutdown(): Promise<void> {
      const w = worker;
      if (!w) return;
      await new Promise<void>((resolve) => {
        closed = resolve;
        const message: ExportThreadRequest = { kind: 'shutdown' };
        w.postMessage(message);
      });
      worker = undefined;
      await w.terminate();
    },
  };
}
