import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeTraceExportRequest } from '../../src/telemetry/otlp-proto.js';
import { decodeTraceExportRequest } from './otlpProto.js';

function finishedSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('vendor=a,other=b'),
  });
  const span = provider.getTracer('portcullis').startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: { 'http.response.status_code': 403, bigNegative: -(2 ** 40) - 3, ratio: 0.25, no: false, 'url.path': '/v2/ünïcödé/😀/manifests/x', sizes: [1, 2, 3] },
  }, remote);
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'denied: CVE-2024-0001 — critical' });
  span.end();
  return exporter.getFinishedSpans();
}

test('the OTLP/protobuf decoder reads the encoding back as the OTLP/JSON document', () => {
  const spans = finishedSpans();
  const doc = decodeTraceExportRequest(encodeTraceExportRequest(spans));
  const server = doc.resourceSpans![0]!.scopeSpans[0].spans.find((s: { kind: number }) => s.kind === 2);
  assert.equal(server.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(server.parentSpanId, 'b7ad6b7169203331');
  assert.equal(server.traceState, 'vendor=a,other=b');
  assert.equal(server.flags, 0x301);
  const attrs = Object.fromEntries(server.attributes.map((a: { key: string; value: Record<string, unknown> }) => [a.key, a.value]));
  assert.deepEqual(attrs['http.response.status_code'], { intValue: 403 });
  assert.deepEqual(attrs.bigNegative, { intValue: -(2 ** 40) - 3 });
  assert.deepEqual(attrs.ratio, { doubleValue: 0.25 });
  assert.deepEqual(attrs.no, { boolValue: false });
  assert.equal((attrs['url.path'] as { stringValue: string }).stringValue.slice(0, 20), '/v2/ünïcödé/😀/manif');
  assert.deepEqual(attrs.sizes, { arrayValue: { values: [{ intValue: 1 }, { intValue: 2 }, { intValue: 3 }] } });
  assert.deepEqual(server.status, { message: 'denied: CVE-2024-0001 — critical', code: 2 });
  const start = spans.find((s) => s.kind === SpanKind.SERVER)!.startTime;
  assert.equal(server.startTimeUnixNano, (BigInt(start[0]) * 1_000_000_000n + BigInt(start[1])).toString());
});
