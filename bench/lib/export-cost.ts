/**
 * The CPU one process spends to encode and send spans with the gateway's OTLP/HTTP exporter, in
 * isolation: batches of a gateway's warm-GET spans (a server span and a cache lookup, with the
 * attributes server-span.ts and spans.ts set), encoded and exported to `url` one batch at a time
 * as encoding-span-processor.ts does. Divided by a request's CPU it says how much of tracing's
 * cost is the export alone.
 */
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Attr, Semconv } from '../../src/telemetry/attributes.js';
import { createOtlpEncodedSink } from '../../src/telemetry/otlp-exporter.js';
import { EncodedSpanBatch, encodeTraceExportRequest } from '../../src/telemetry/otlp-proto.js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

function warmGetSpans(pairs: number) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [Semconv.serviceName]: 'portcullis', [Semconv.serviceVersion]: '0.0.0', [Semconv.serviceInstanceId]: 'bench:1' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('portcullis', '0.0.0');
  for (let i = 0; i < pairs; i++) {
    const server = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    server.setAttributes({
      [Semconv.httpRequestMethod]: 'GET', [Semconv.urlPath]: `/v2/bench/small/manifests/sha256:${'0123456789abcdef'.repeat(4)}`,
      [Semconv.urlScheme]: 'http', [Semconv.clientAddress]: '127.0.0.1', [Semconv.userAgentOriginal]: 'wrk',
    });
    const lookup = tracer.startSpan('portcullis.cache.lookup', { kind: SpanKind.INTERNAL, attributes: { [Attr.cache]: 'manifest' } }, trace.setSpan(ROOT_CONTEXT, server));
    lookup.setAttribute(Attr.cacheHit, true);
    lookup.end();
    server.updateName('GET /v2/{name}/manifests/{reference}');
    server.setAttributes({ [Semconv.httpResponseStatusCode]: 200, [Attr.upstream]: 'origin', [Attr.repository]: 'bench/small', [Semconv.httpRoute]: '/v2/{name}/manifests/{reference}' });
    server.end();
  }
  return memory.getFinishedSpans();
}

/** Microseconds of this process's CPU per exported span (median of `rounds`). */
export async function otlpExportMicrosPerSpan(url: string, opts: { batch: number; batches: number; rounds: number }): Promise<number> {
  const spans = warmGetSpans(opts.batch / 2);
  const sink = createOtlpEncodedSink({ url, timeoutMillis: 10_000 });
  const batch = new EncodedSpanBatch();
  // as the gateway does: each span encoded as it ends, the batch sent when full
  const exportOnce = () => {
    for (const s of spans) batch.add(s);
    const encoded = { spans: batch.count, bytes: batch.take() };
    return new Promise<void>((resolve, reject) => sink.export(encoded, (r) => (r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')))));
  };
  for (let i = 0; i < 20; i++) await exportOnce();
  const perSpan: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < opts.batches; i++) await exportOnce();
    const used = process.cpuUsage(before);
    perSpan.push((used.user + used.system) / (opts.batches * spans.length));
  }
  await sink.shutdown();
  return perSpan.sort((a, b) => a - b)[Math.floor(perSpan.length / 2)]!;
}

/**
 * CPU to encode the same batch with otlp-proto.ts, over OpenTelemetry's ProtobufTraceSerializer
 * (the peer it must match byte for byte), alternating, median of `rounds`.
 */
export function encodeCostRatio(opts: { batch: number; repeats: number; rounds: number }): number {
  const spans = warmGetSpans(opts.batch / 2);
  const cpu = (encode: () => unknown) => {
    const before = process.cpuUsage();
    for (let i = 0; i < opts.repeats; i++) encode();
    const used = process.cpuUsage(before);
    return used.user + used.system;
  };
  const ours = () => encodeTraceExportRequest(spans);
  const theirs = () => ProtobufTraceSerializer.serializeRequest(spans);
  cpu(ours);
  cpu(theirs);
  const ratios: number[] = [];
  for (let r = 0; r < opts.rounds; r++) ratios.push(cpu(ours) / cpu(theirs));
  return ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
}
