/**
 * The CPU one process spends to encode and send spans with the gateway's OTLP/HTTP exporter, in
 * isolation: batches of a gateway's warm-GET spans (a server span, an auth span and a cache
 * lookup, recorded by span-recorder.ts with the attributes server-span.ts, access-middleware.ts
 * and spans.ts set), encoded and exported to `url` one batch at a time as
 * encoding-span-processor.ts does. Divided by a request's CPU it says how much of tracing's cost
 * is the export alone.
 */
import { SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Attr, Semconv } from '../../src/telemetry/attributes.js';
import { createOtlpEncodedSink } from '../../src/telemetry/otlp-exporter.js';
import { EncodedSpanBatch, encodeTraceExportRequest } from '../../src/telemetry/otlp-proto.js';
import { SpanRecorder } from '../../src/telemetry/span-recorder.js';
import { NO_TRACE } from '../../src/telemetry/trace-context.js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/** About `spans` spans: three a request. */
function warmGetSpans(spans: number): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const resource = resourceFromAttributes({ [Semconv.serviceName]: 'portcullis', [Semconv.serviceVersion]: '0.0.0', [Semconv.serviceInstanceId]: 'bench:1' });
  const recorder = new SpanRecorder(resource, { name: 'portcullis', version: '0.0.0' }, { onEnd: (s) => ended.push(s) }, 1);
  for (let i = 0; i < Math.max(1, Math.round(spans / 3)); i++) {
    const server = recorder.startSpan('GET', { kind: SpanKind.SERVER }, NO_TRACE);
    server.setAttribute(Semconv.httpRequestMethod, 'GET');
    server.setAttribute(Semconv.urlPath, `/v2/bench/small/manifests/sha256:${'0123456789abcdef'.repeat(4)}`);
    server.setAttribute(Semconv.urlScheme, 'http');
    server.setAttribute(Semconv.clientAddress, '127.0.0.1');
    const ctx = trace.setSpan(NO_TRACE, server);
    const auth = recorder.startSpan('portcullis.auth', {}, ctx);
    auth.setAttribute(Attr.authResult, 'allow');
    auth.end();
    const lookup = recorder.startSpan('portcullis.cache.lookup', { kind: SpanKind.INTERNAL, attributes: { [Attr.cache]: 'manifest' } }, ctx);
    lookup.setAttribute(Attr.cacheHit, true);
    lookup.end();
    server.updateName('GET /v2/{name}/manifests/{reference}');
    server.setAttribute(Semconv.httpResponseStatusCode, 200);
    server.setAttribute(Attr.upstream, 'origin');
    server.setAttribute(Attr.repository, 'bench/small');
    server.setAttribute(Semconv.httpRoute, '/v2/{name}/manifests/{reference}');
    server.end();
  }
  return ended;
}

/** Microseconds of this process's CPU per exported span (median of `rounds`). */
export async function otlpExportMicrosPerSpan(url: string, opts: { batch: number; batches: number; rounds: number }): Promise<number> {
  const spans = warmGetSpans(opts.batch);
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

/** Microseconds of CPU per span to encode alone (as otlpExportMicrosPerSpan does, without the send); median of `rounds`. */
export function encodeMicrosPerSpan(opts: { batch: number; batches: number; rounds: number }): number {
  const spans = warmGetSpans(opts.batch);
  const batch = new EncodedSpanBatch();
  const once = () => { for (const s of spans) batch.add(s); return batch.take(); };
  for (let i = 0; i < 20; i++) once();
  const perSpan: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < opts.batches; i++) once();
    const used = process.cpuUsage(before);
    perSpan.push((used.user + used.system) / (opts.batches * spans.length));
  }
  return perSpan.sort((a, b) => a - b)[Math.floor(perSpan.length / 2)]!;
}

/**
 * CPU to encode the same batch with otlp-proto.ts, over OpenTelemetry's ProtobufTraceSerializer
 * (the peer it must match byte for byte), alternating, median of `rounds`.
 */
export function encodeCostRatio(opts: { batch: number; repeats: number; rounds: number }): number {
  const spans = warmGetSpans(opts.batch);
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
