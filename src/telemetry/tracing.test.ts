import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { silentLogger, createLogger } from '../log.js';
import { startTracing, tracesUrl } from './tracing.js';
import { serverSpans } from './server-span.js';
import { cacheLookup, safeUrl, withSpan } from './spans.js';
import { Attr, Semconv, SpanName } from './attributes.js';
import { requestTrace, traceLogFields } from './trace-context.js';

async function serve(app: Koa): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function appWith(tracer: ReturnType<typeof startTracing>['tracer'], lines: string[] = []) {
  const log = createLogger('info', {}, (l) => lines.push(l));
  const app = new Koa();
  app.silent = true;
  const spans = serverSpans(tracer, { metricsPath: '/metrics' });
  app.use(async (ctx, next) => { // what the access log does with its observers
    spans.begin(ctx);
    let thrown: unknown;
    try { await next(); } catch (e) { thrown = e; throw e; } finally { spans.end(ctx, thrown); }
  });
  app.use(async (ctx, next) => {
    try { await next(); } catch { ctx.status = 503; ctx.state.errorCode = 'UNAVAILABLE'; }
  });
  app.use(async (ctx) => {
    if (ctx.path === '/metrics') { ctx.state.route = 'metrics'; ctx.body = 'x'; return; }
    if (ctx.path === '/boom') throw new Error('boom');
    ctx.state.route = 'manifest';
    ctx.state.repository = 'dockerhub/library/alpine';
    ctx.state.upstreamRoute = { upstream: 'dockerhub', repository: 'library/alpine' };
    const trace = requestTrace(ctx.state);
    await cacheLookup(trace, 'manifest', async () => undefined);
    await withSpan(trace, SpanName.policy, {}, async (_span, inner) => { log.info('deciding', traceLogFields(inner)); });
    ctx.body = 'ok';
  });
  return app;
}

test('tracesUrl appends /v1/traces once', () => {
  assert.equal(tracesUrl('http://c:4318'), 'http://c:4318/v1/traces');
  assert.equal(tracesUrl('http://c:4318/'), 'http://c:4318/v1/traces');
  assert.equal(tracesUrl('http://c:4318/v1/traces'), 'http://c:4318/v1/traces');
});

test('safeUrl drops credentials and the query', () => {
  assert.equal(safeUrl('https://u:p@auth.example/token?account=u&scope=x'), 'https://auth.example/token');
  assert.equal(safeUrl('not a url'), '');
});

test('server span: route template, upstream and repository, children, log correlation, 5xx is an error', async () => {
  const exporter = new InMemorySpanExporter();
  const t = startTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 's', sampleRatio: 1, logger: silentLogger, exporter, exportDelayMs: 1 });
  const lines: string[] = [];
  const srv = await serve(appWith(t.tracer, lines));
  try {
    await (await fetch(`${srv.url}/v2/library/alpine/manifests/3`)).text();
    await (await fetch(`${srv.url}/boom`)).text();
    await (await fetch(`${srv.url}/metrics`)).text();
    await t.forceFlush();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /v2/{name}/manifests/{reference}')!;
    assert.ok(server, spans.map((s) => s.name).join());
    assert.equal(server.attributes[Attr.upstream], 'dockerhub');
    assert.equal(server.attributes[Attr.repository], 'library/alpine');
    assert.equal(server.attributes[Semconv.httpResponseStatusCode], 200);
    const kids = spans.filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId).map((s) => s.name).sort();
    assert.deepEqual(kids, [SpanName.cacheLookup, SpanName.policy]);
    const policy = spans.find((s) => s.name === SpanName.policy)!;
    const line = JSON.parse(lines.find((l) => l.includes('deciding'))!);
    assert.equal(line.trace_id, server.spanContext().traceId);
    assert.equal(line.span_id, policy.spanContext().spanId);
    const boom = spans.find((s) => s.attributes[Semconv.urlPath] === '/boom')!;
    assert.equal(boom.name, 'GET');
    assert.equal(boom.attributes[Semconv.httpResponseStatusCode], 503);
    assert.equal(boom.attributes[Semconv.errorType], 'UNAVAILABLE');
    assert.equal(boom.status.code, 2);
    assert.ok(spans.some((s) => s.name === 'GET /metrics' && s.attributes[Semconv.httpRoute] === '/metrics'));
  } finally {
    await srv.close();
    await t.shutdown();
  }
});

test('log lines carry trace ids only where they can be looked up: recorded traces and traces the client started', async () => {
  const exporter = new InMemorySpanExporter();
  const t = startTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 's', sampleRatio: 0, logger: silentLogger, exporter, exportDelayMs: 1 });
  const lines: string[] = [];
  const srv = await serve(appWith(t.tracer, lines));
  try {
    await (await fetch(`${srv.url}/v2/a/manifests/1`)).text();
    await (await fetch(`${srv.url}/v2/a/manifests/2`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' } })).text();
    await (await fetch(`${srv.url}/v2/a/manifests/3`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })).text();
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(parsed.length, 3);
    assert.equal(parsed[0]!.trace_id, undefined, 'a new trace that was not sampled is recorded nowhere: no ids');
    assert.equal(parsed[1]!.trace_id, '0af7651916cd43dd8448eb211c80319c', 'the client\'s unsampled trace: its id joins our line to the client\'s');
    assert.equal(parsed[1]!.trace_flags, '00');
    assert.equal(parsed[2]!.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(parsed[2]!.trace_flags, '01');
  } finally {
    await srv.close();
    await t.shutdown();
  }
});

test('sampleRatio 0 records nothing for new traces but honours a sampled parent; pipelines switch', async () => {
  const first = new InMemorySpanExporter();
  const t1 = startTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 's', sampleRatio: 1, logger: silentLogger, exporter: first });
  await t1.shutdown();
  const exporter = new InMemorySpanExporter();
  const t = startTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 's', sampleRatio: 0, logger: silentLogger, exporter, exportDelayMs: 1 });
  const srv = await serve(appWith(t.tracer));
  try {
    await (await fetch(`${srv.url}/v2/a/manifests/1`)).text();
    await (await fetch(`${srv.url}/v2/a/manifests/2`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })).text();
    await t.forceFlush();
    const spans = exporter.getFinishedSpans();
    assert.ok(spans.length >= 3);
    assert.ok(spans.every((s) => s.spanContext().traceId === '0af7651916cd43dd8448eb211c80319c'));
    assert.equal(first.getFinishedSpans().length, 0, 'the first pipeline got nothing after it was shut down');
  } finally {
    await srv.close();
    await t.shutdown();
  }
});
