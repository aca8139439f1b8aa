/**
 * Traces end to end: the gateway's real OTLP/HTTP exporter sends to a loopback receiver this test
 * runs; the span tree of a pull (server span → cache lookup, upstream manifest request → token
 * request) and W3C trace context from the client are checked on what arrives.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, MediaType, type OciImage } from '../harness/ociImage.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createLogger } from '../../src/log.js';
import { createTelemetryExtension } from '../../src/telemetry/wire.js';
import { Attr, Semconv, SpanName } from '../../src/telemetry/attributes.js';
import { startOtlpReceiver, type ReceivedSpan } from '../harness/otlpReceiver.js';

let reg: Registry;
let gw: TestGateway;
let image: OciImage;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
const logLines: Array<Record<string, unknown>> = [];

before(async () => {
  reg = await startRegistry({ auth: 'token' });
  image = await makeImage({ layers: [{ files: { 'etc/motd': 'traced\n' } }] });
  await pushImage(reg.url, 'library/app', '1', image, { credentials: reg.credentials });
  receiver = await startOtlpReceiver();
  const logger = createLogger('debug', {}, (l) => { logLines.push(JSON.parse(l)); });
  gw = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, username: reg.credentials!.username, password: reg.credentials!.password, retries: 0 } },
    routing: { default: 'local' },
    telemetry: { otlpEndpoint: receiver.url, serviceName: 'portcullis-test' },
  }, { logger, extend: createTelemetryExtension({ exportDelayMs: 20 }) });
});

after(async () => {
  await gw?.stop();
  await receiver?.stop();
  await reg?.stop();
});

const isServer = (s: ReceivedSpan) => s.kind === 2;
const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;

test('one pull is one trace: server span → tag resolution → cache lookup, upstream manifest request → token request', async () => {
  const res = await request(`${gw.url}/v2/library/app/manifests/1`, { headers: { accept: ACCEPT } });
  assert.equal(res.statusCode, 200);
  await res.body.arrayBuffer();
  const trace = await receiver.waitForSpan(
    (s) => isServer(s) && s.attributes[Semconv.urlPath] === '/v2/library/app/manifests/1',
    (t) => t.length >= 5);
  const server = trace.find(isServer)!;
  assert.equal(server.parentSpanId, '');
  assert.equal(server.name, 'GET /v2/{name}/manifests/{reference}');
  assert.equal(server.attributes[Semconv.httpRequestMethod], 'GET');
  assert.equal(server.attributes[Semconv.httpRoute], '/v2/{name}/manifests/{reference}');
  assert.equal(server.attributes[Semconv.httpResponseStatusCode], 200);
  assert.equal(server.attributes[Semconv.clientAddress], '127.0.0.1');
  assert.equal(server.attributes[Attr.upstream], 'local');
  assert.equal(server.attributes[Attr.repository], 'library/app');
  assert.equal(server.resource[Semconv.serviceName], 'portcullis-test');
  assert.ok(server.resource[Semconv.serviceVersion]);

  const resolve = trace.find((s) => s.parentSpanId === server.spanId && s.name === SpanName.tagResolve);
  assert.ok(resolve, 'tag resolution under the server span');
  assert.equal(resolve.attributes[Attr.reference], '1');
  const children = trace.filter((s) => s.parentSpanId === resolve.spanId);
  const lookup = children.find((s) => s.name === SpanName.cacheLookup);
  assert.ok(lookup, `cache lookup under the tag resolution; got ${children.map((s) => s.name)}`);
  assert.equal(lookup.attributes[Attr.cache], 'tag');
  assert.equal(lookup.attributes[Attr.cacheHit], false);
  const upstream = children.find((s) => s.name === SpanName.upstreamRequest);
  assert.ok(upstream, 'upstream request under the tag resolution');
  assert.equal(upstream.kind, 3); // CLIENT
  assert.equal(upstream.attributes[Attr.upstreamKind], 'manifest');
  assert.equal(upstream.attributes[Attr.upstream], 'local');
  assert.equal(upstream.attributes[Semconv.httpResponseStatusCode], 200);
  assert.equal(upstream.attributes[Semconv.urlFull], `${reg.url}/v2/library/app/manifests/1`);
  const token = trace.find((s) => s.parentSpanId === upstream.spanId && s.attributes[Attr.upstreamKind] === 'token');
  assert.ok(token, 'the token request is a child of the upstream request that needed it');
  assert.equal(token.attributes[Semconv.httpResponseStatusCode], 200);
  assert.ok(!String(token.attributes[Semconv.urlFull]).includes('?'), 'token URL attribute carries no query (account, scope)');
});

test('a blob pull traces the blob cache lookup and the upstream blob request; a warm one only the lookup', async () => {
  const layer = image.layers[0]!;
  for (const round of ['cold', 'warm']) {
    const res = await request(`${gw.url}/v2/library/app/blobs/${layer.digest}`, { headers: { 'x-round': round } });
    assert.equal(res.statusCode, 200);
    await res.body.arrayBuffer();
  }
  await receiver.waitForSpan(
    (s) => isServer(s) && s.attributes[Semconv.urlPath] === `/v2/library/app/blobs/${layer.digest}`,
    () => receiver.spans.filter((s) => isServer(s) && s.attributes[Semconv.urlPath] === `/v2/library/app/blobs/${layer.digest}`).length === 2);
  const servers = receiver.spans.filter((s) => isServer(s) && s.attributes[Semconv.urlPath] === `/v2/library/app/blobs/${layer.digest}`);
  const kids = servers.map((srv) => receiver.spans.filter((s) => s.parentSpanId === srv.spanId).map((s) => `${s.name}:${s.attributes[Attr.cache] ?? s.attributes[Attr.upstreamKind]}:${s.attributes[Attr.cacheHit] ?? ''}`).sort());
  assert.ok(kids.some((k) => k.includes(`${SpanName.upstreamRequest}:blob:`) && k.includes(`${SpanName.cacheLookup}:blob:false`)), JSON.stringify(kids));
  assert.ok(kids.some((k) => k.length === 1 && k[0] === `${SpanName.cacheLookup}:blob:true`), JSON.stringify(kids));
  assert.ok(servers.every((s) => s.attributes[Semconv.httpRoute] === '/v2/{name}/blobs/{digest}'));
});

test('a client traceparent is honoured: same trace id, the client span is the parent; log lines carry the trace id', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentId = '00f067aa0ba902b7';
  const res = await request(`${gw.url}/v2/library/app/manifests/nope`, { headers: { accept: ACCEPT, traceparent: `00-${traceId}-${parentId}-01` } });
  assert.equal(res.statusCode, 404);
  await res.body.arrayBuffer();
  const trace = await receiver.waitForSpan((s) => s.traceId === traceId && isServer(s), () => true);
  const server = trace.find(isServer)!;
  assert.equal(server.parentSpanId, parentId);
  assert.equal(server.attributes[Semconv.httpResponseStatusCode], 404);
  assert.equal(server.attributes[Attr.errorCode], 'MANIFEST_UNKNOWN');
  const line = logLines.find((l) => l.msg === 'request' && l.trace_id === traceId);
  assert.ok(line, 'the access log line of the failed request has the trace id');
  assert.equal(line.span_id, server.spanId);
  assert.equal(line.level, 'info');
});

test('a client traceparent that is not sampled is honoured too: nothing is recorded', async () => {
  const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const res = await request(`${gw.url}/v2/`, { headers: { traceparent: `00-${traceId}-bbbbbbbbbbbbbbbb-00` } });
  assert.equal(res.statusCode, 200);
  await res.body.arrayBuffer();
  // A later sampled request is exported after it; by then the unsampled one would have been too.
  const marker = '11111111111111111111111111111111';
  const r2 = await request(`${gw.url}/v2/`, { headers: { traceparent: `00-${marker}-bbbbbbbbbbbbbbbb-01` } });
  await r2.body.arrayBuffer();
  await receiver.waitForSpan((s) => s.traceId === marker, () => true);
  assert.equal(receiver.spans.filter((s) => s.traceId === traceId).length, 0);
  assert.deepEqual([...receiver.contentTypes], ['application/x-protobuf'], 'binary protobuf, the OTLP/HTTP default');
});
