/**
 * The OTLP/HTTP export thread: runs otlp-exporter.ts's transport (OpenTelemetry's export delegate,
 * its retries, timeouts and headers) for the batches the gateway's thread encoded, so the HTTP
 * request, its socket writes and the kernel's share of them run beside the thread that serves
 * pulls instead of on it. Started by export-thread-sink.ts; speaks its messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOtlpEncodedSink, type OtlpExporterOptions } from './otlp-exporter.js';
import type { ExportThreadReply, ExportThreadRequest } from './export-thread-sink.js';

const port = parentPort;
if (!port) throw new Error('otlp-export-worker runs as a worker thread (export-thread-sink.ts starts it)');
const sink = createOtlpEncodedSink(workerData as OtlpExporterOptions);

port.on('message', (m: ExportThreadRequest) => {
  if (m.kind === 'export') {
    sink.export({ bytes: m.bytes, spans: m.spans }, (result) => {
      const reply: ExportThreadReply = { kind: 'done', id: m.id, code: result.code, error: result.error?.message };
      port.postMessage(reply);
    });
    return;
  }
  void sink.shutdown().finally(() => {
    const reply: ExportThreadReply = { kind: 'closed' };
    port.postMessage(reply);
  });
});
