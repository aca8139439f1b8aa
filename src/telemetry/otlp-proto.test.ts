import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { encodeTraceExportRequest } from './otlp-proto.js';

/** A varied set: remote parent, trace state, events, links, every attribute type, non-ASCII, two scopes, 300 more. */
function finishedSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'portcullis', 'service.version': '1.2.3', 'host.cores': 2 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true,
    traceState: new TraceState('vendor=a,other=b'),
  });
  const tracer = provider.getTracer('portcullis', '0.9.0');
  const server = tracer.startSpan('GET /v2/{name}/manifests/{reference}', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET', 'url.path': '/v2/ünïcödé/😀/manifests/' + 'x'.repeat(300), 'http.response.status_code': 403,
      ratio: 0.25, negative: -7, big: 2 ** 40, bigNegative: -(2 ** 40) - 3, huge: 2 ** 62, carry: -(2 ** 32), min: -(2 ** 63), ok: true, no: false,
      tags: ['a', 'b'], sizes: [1, 2, 3], flags: [true, false], empty: '', long: 'y'.repeat(20_000),
    },
  }, remote);
  server.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'line 1\nline 2' });
  server.addEvent('plain');
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'denied: CVE-2024-0001 — critical' });
  const child = tracer.startSpan('portcullis.cache.lookup', {
    attributes: { 'portcullis.cache': 'manifest' },
    links: [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0, isRemote: true, traceState: new TraceState('k=v') }, attributes: { why: 'batch' } }],
  }, trace.setSpan(remote, server));
  child.setStatus({ code: SpanStatusCode.OK });
  child.end();
  server.end();
  const other = provider.getTracer('portcullis.webhooks').startSpan('webhook', { kind: SpanKind.CLIENT });
  other.end();
  for (let i = 0; i < 300; i++) tracer.startSpan(`bulk ${i}`, { attributes: { i } }).end(); // outer lengths over 2 bytes
  return exporter.getFinishedSpans();
}

test('the OTLP/protobuf encoder writes the bytes OpenTelemetry\'s ProtobufTraceSerializer writes', () => {
  const spans = finishedSpans();
  const ours = Buffer.from(encodeTraceExportRequest(spans));
  const reference = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  assert.equal(ours.length, reference.length);
  assert.ok(ours.equals(reference), 'byte-identical');
  // A second request from the reused writer is independent of the first.
  const again = Buffer.from(encodeTraceExportRequest(spans.slice(0, 2)));
  assert.ok(again.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.slice(0, 2))!)));
  assert.ok(ours.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)));
});

test('times: nanoseconds since the epoch survive the 64-bit split exactly', () => {
  const [span] = finishedSpans();
  for (const t of [[0, 0], [1, 999_999_999], [1_764_000_000, 123_456_789], [4_294_967_295, 999_999_999], [65_535, 1], [65_536, 0]] as [number, number][]) {
    const s = { ...span!, spanContext: () => span!.spanContext(), startTime: t, endTime: t, events: [], links: [], attributes: {} } as ReadableSpan;
    assert.ok(Buffer.from(encodeTraceExportRequest([s])).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest([s])!)), `time ${t}`);
  }
  assert.equal(encodeTraceExportRequest([]).length, 0);
});

