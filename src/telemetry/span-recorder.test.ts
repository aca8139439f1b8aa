import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { encodeTraceExportRequest } from './otlp-proto.js';
import { RecordedSpan, SPAN_LIMIT, SpanRecorder } from './span-recorder.js';

function recorder(sampleRatio = 1) {
  const ended: ReadableSpan[] = [];
  const r = new SpanRecorder(resourceFromAttributes({ 'service.name': 'portcullis', 'host.cores': 2 }), { name: 'portcullis', version: '0.9.0' }, { onEnd: (s) => ended.push(s) }, sampleRatio);
  return { r, ended };
}

test('recorded spans encode to the bytes OpenTelemetry\'s ProtobufTraceSerializer writes for them', () => {
  const { r, ended } = recorder();
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('vendor=a'),
  });
  const server = r.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/v2/ünïcödé/manifests/' + 'x'.repeat(40), tags: ['a', 'b'], n: 2 ** 40, neg: -3, f: 0.5, ok: true } }, remote);
  const inner = trace.setSpan(remote, server);
  const auth = r.startSpan('portcullis.auth', {}, inner);
  auth.setAttribute('portcullis.auth.result', 'allow');
  auth.end();
  const lookup = r.startSpan('portcullis.cache.lookup', { attributes: { 'portcullis.cache': 'manifest' }, links: [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 }, attributes: { why: 'x' } }] }, inner);
  lookup.recordException(new Error('boom'));
  lookup.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  lookup.end();
  const given = r.startSpan('given times', { startTime: [1_764_000_000, 5], root: true });
  given.end([1_764_000_001, 7]);
  const root = r.startSpan('a root', {}, ROOT_CONTEXT);
  r.startSpan('its child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
  root.end();
  server.updateName('GET /v2/{name}/manifests/{reference}');
  server.setAttributes({ 'http.response.status_code': 200, 'http.request.method': 'HEAD' });
  server.end();
  assert.equal(ended.length, 6);
  const ours = Buffer.from(encodeTraceExportRequest(ended));
  const reference = Buffer.from(ProtobufTraceSerializer.serializeRequest(ended)!);
  assert.ok(ours.equals(reference), 'byte-identical');
});

test('spans of our own traces (the one-pass encoder) encode to the same bytes as OpenTelemetry\'s serializer, whatever they hold', () => {
  const { r, ended } = recorder();
  const server = r.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  server.setAttributes({ 'http.request.method': 'GET', 'url.path': '/v2/library/alpine/manifests/sha256:' + 'a'.repeat(64), 'http.response.status_code': 200, big: 2 ** 40, negative: -1, ratio: 0.5, ok: true, no: false, empty: '' });
  server.setAttribute('long', 'z'.repeat(300));
  server.setAttribute('k'.repeat(200), 'a long key');
  const inner = trace.setSpan(ROOT_CONTEXT, server);
  const auth = r.startSpan('portcullis.auth', {}, inner);
  auth.setAttribute('portcullis.auth.result', 'allow');
  auth.end();
  const odd = r.startSpan('not ascii', { attributes: { where: 'Zürich' } }, inner);
  odd.setStatus({ code: SpanStatusCode.ERROR });
  odd.end();
  const lookup = r.startSpan('portcullis.cache.lookup', { kind: SpanKind.INTERNAL, attributes: { 'portcullis.cache': 'manifest' } }, inner);
  lookup.setAttribute('portcullis.cache.hit', true);
  lookup.end();
  for (let i = 0; i < 130; i++) server.setAttribute(`extra.${i}`, i); // over the limit: dropped and counted
  server.updateName('GET /v2/{name}/manifests/{reference}');
  server.end();
  const ours = Buffer.from(encodeTraceExportRequest(ended));
  assert.ok(ours.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(ended)!)), 'byte-identical');
});

test('spans of one name, one after another, encode right when their values repeat, change, or stop being ASCII', () => {
  // The one-pass encoder keeps an attribute's whole encoding once its value came twice in a row.
  const { r, ended } = recorder();
  const values: Array<[string, number, boolean, string]> = [
    ['GET', 200, true, '/v2/a/manifests/1'], ['GET', 200, true, '/v2/a/manifests/1'], ['GET', 200, true, ['/v2/a', 'manifests/1'].join('/')],
    ['HEAD', 200, true, '/v2/a/manifests/1'], ['HEAD', 404, false, '/v2/b/manifests/2'], ['HEAD', 404, false, '/v2/b/manifests/2'],
    ['GET', 404, false, '/v2/ünïcödé/manifests/2'], ['GET', 404, false, '/v2/ünïcödé/manifests/2'], ['GET', 200, true, '/v2/a/manifests/1'],
  ];
  for (const [method, status, hit, path] of values) {
    const s = r.startSpan('GET /v2/{name}/manifests/{reference}', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    s.setAttribute('http.request.method', method);
    s.setAttribute('url.path', path);
    s.setAttribute('http.response.status_code', status);
    s.setAttribute('portcullis.cache.hit', hit);
    s.end();
  }
  // the same keys in another order, and a key fewer
  const other = r.startSpan('GET /v2/{name}/manifests/{reference}', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  other.setAttribute('url.path', '/v2/a/manifests/1');
  other.setAttribute('http.request.method', 'GET');
  other.end();
  for (let i = 0; i < ended.length; i++) {
    const one = [ended[i]!];
    assert.ok(Buffer.from(encodeTraceExportRequest(one)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(one)!)), `span ${i}`);
  }
  assert.ok(Buffer.from(encodeTraceExportRequest(ended)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(ended)!)), 'all of them');
});

test('parents: a child continues its parent\'s trace; a remote parent\'s sampling decision and trace state are kept', () => {
  const { r, ended } = recorder(0);
  const sampledRemote = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('k=v') });
  const s = r.startSpan('child of a sampled client', {}, sampledRemote) as RecordedSpan;
  assert.ok(s instanceof RecordedSpan, 'recorded although new traces are not (ratio 0)');
  assert.equal(s.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(s.parentSpanContext?.spanId, 'b7ad6b7169203331');
  assert.equal(s.spanContext().traceState?.get('k'), 'v');
  const grandchild = r.startSpan('grandchild', {}, trace.setSpan(sampledRemote, s));
  assert.equal(grandchild.spanContext().traceId, s.spanContext().traceId);
  assert.equal((grandchild as RecordedSpan).parentSpanContext?.spanId, s.spanContext().spanId);
  grandchild.end();
  s.end();
  assert.equal(ended.length, 2);

  const unsampledRemote = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true });
  const quiet = r.startSpan('child of an unsampled client', {}, unsampledRemote);
  assert.equal(quiet.isRecording(), false);
  assert.equal(quiet.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736', 'ids still flow (log correlation)');
  assert.match(quiet.spanContext().spanId, /^[0-9a-f]{16}$/);
  assert.equal(r.startSpan('new trace at ratio 0').isRecording(), false);
});

test('sampleRatio decides new traces from the trace id: about the ratio, never for 0, always for 1', () => {
  const { r } = recorder(0.25);
  let recorded = 0;
  for (let i = 0; i < 8000; i++) if (r.startSpan('x').isRecording()) recorded++;
  assert.ok(recorded > 1700 && recorded < 2300, `${recorded} of 8000 at 0.25`);
  const ids = new Set<string>();
  const all = recorder(1).r;
  for (let i = 0; i < 2000; i++) {
    const c = all.startSpan('x').spanContext();
    assert.match(c.traceId, /^[0-9a-f]{32}$/);
    assert.match(c.spanId, /^[0-9a-f]{16}$/);
    ids.add(c.traceId);
  }
  assert.equal(ids.size, 2000, 'trace ids do not repeat (across pool refills too)');
});

test('the SDK\'s rules: limits, invalid attribute values, status, one end, nothing after end', () => {
  const { r, ended } = recorder();
  const s = r.startSpan('limits') as RecordedSpan;
  for (let i = 0; i < SPAN_LIMIT + 5; i++) s.setAttribute(`k${i}`, i);
  s.setAttribute('k0', 'replaced');
  s.setAttribute('bad', { nested: true } as never);
  s.setAttribute('nothing', undefined);
  assert.equal(s.attributeKeys.length, SPAN_LIMIT);
  assert.equal(s.droppedAttributesCount, 5);
  assert.equal(s.attributes.k0, 'replaced');
  assert.equal('bad' in s.attributes, false);
  s.setStatus({ code: SpanStatusCode.OK, message: 'dropped: only ERROR keeps a message' });
  s.setStatus({ code: SpanStatusCode.ERROR, message: 'ignored: OK is final' });
  assert.deepEqual(s.status, { code: SpanStatusCode.OK });
  s.end();
  s.end();
  s.setAttribute('late', 1);
  s.updateName('late');
  assert.equal(ended.length, 1);
  assert.equal(s.name, 'limits');
  assert.equal(s.isRecording(), false);
  assert.ok(s.duration[0] >= 0 && s.duration[1] >= 0);
  const t = s.startTime[0] * 1e3 + s.startTime[1] / 1e6;
  assert.ok(Math.abs(t - Date.now()) < 5_000, 'start time is the epoch time');
});
