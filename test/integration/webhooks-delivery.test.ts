/**
 * Webhook delivery against a real loopback receiver: CloudEvents body, verifiable HMAC signature,
 * retries after 5xx with the same event id, giving up after maxAttempts with one log line,
 * event filtering, bounded queue and shutdown, and the config → gateway wiring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebhookDispatcher, type WebhookEndpoint } from '../../src/webhooks/dispatcher.js';
import { verifySignature } from '../../src/webhooks/cloudevent.js';
import { gateEventsExtension } from '../../src/webhooks/wire.js';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, silentLogger } from '../../src/log.js';
import { startTracing } from '../../src/telemetry/tracing.js';
import { NO_TRACE } from '../../src/telemetry/trace-context.js';
import { SpanName } from '../../src/telemetry/attributes.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { startTestGateway, metricValue } from '../support/gateway.js';

interface Received { headers: http.IncomingHttpHeaders; body: string; json: any }

/** Answers each POST with `answer(n)` (n = 1-based request count); 'hang' never answers. */
async function startReceiver(answer: (n: number) => number | 'hang' = () => 204) {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      for (const w of waiters) w();
      const a = answer(received.length);
      if (a !== 'hang') res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/s3cr3t-path`;
  const waitFor = (n: number) => new Promise<void>((resolve, reject) => {
    const check = () => { if (received.length >= n) { clearTimeout(t); waiters.delete(check); resolve(); } };
    const t = setTimeout(() => reject(new Error(`receiver got ${received.length} of ${n} POSTs`)), 10_000);
    waiters.add(check);
    check();
  });
  return { url, received, waitFor, stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const verdict = {
  digest: 'sha256:' + 'a'.repeat(64), repository: 'library/alpine', decision: 'deny', mode: 'enforce',
  reasons: [{ kind: 'vulnerability', id: 'CVE-2021-3449', severity: 'high', package: 'libssl1.1', version: '1.1.1d-r2', fixedVersion: '1.1.1k-r0' }],
  summary: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 },
};

function setup(endpoints: Array<Partial<WebhookEndpoint> & { url: string }>, extra: { queueLimit?: number } = {}) {
  const lines: Array<Record<string, any>> = [];
  const metrics = createMetrics();
  const d = new WebhookDispatcher(endpoints.map((e) => ({ maxAttempts: 5, timeout: 2_000, ...e })), {
    source: 'https://mirror.example.com', logger: createLogger('debug', {}, (l) => lines.push(JSON.parse(l))), metrics,
    backoffBaseMs: 5, backoffMaxMs: 20, ...extra,
  });
  const events = new EventEmitter();
  d.subscribe(events);
  return { d, events, lines, metrics };
}

async function counter(metrics: ReturnType<typeof createMetrics>, labels: Record<string, string>): Promise<number> {
  const m = await metrics.webhookDeliveries.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((n, v) => n + v.value, 0);
}

test('a denied pull is POSTed as a CloudEvent with a verifiable HMAC-SHA256 signature', async () => {
  const rx = await startReceiver();
  const { d, events, metrics } = setup([{ url: rx.url, secret: 'hunter2' }]);
  const pull = { upstream: 'dockerhub', repository: 'library/alpine', reference: '3.10', principal: 'ci' };
  events.emit('pull.denied', verdict, pull);
  await rx.waitFor(1);
  await d.idle();
  const [r] = rx.received;
  assert.equal(r!.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
  const e = r!.json;
  assert.equal(e.specversion, '1.0');
  assert.equal(e.type, 'dev.portcullis.pull.denied');
  assert.equal(e.source, 'https://mirror.example.com');
  assert.match(e.id, /^[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(e.time)));
  assert.equal(e.datacontenttype, 'application/json');
  assert.equal(e.subject, `library/alpine@${verdict.digest}`);
  assert.deepEqual(e.data, { verdict, pull });
  const sig = r!.headers['x-portcullis-signature'] as string;
  assert.equal(sig, 'sha256=' + createHmac('sha256', 'hunter2').update(r!.body).digest('hex'));
  assert.ok(verifySignature('hunter2', r!.body, sig));
  assert.ok(!verifySignature('wrong', r!.body, sig));
  assert.equal(await counter(metrics, { event: 'pull.denied', result: 'delivered' }), 1);
  await d.close();
  await rx.stop();
});

test('5xx answers are retried with backoff; every attempt carries the same event id and body', async () => {
  const rx = await startReceiver((n) => (n <= 2 ? 500 : 200));
  const { d, events, metrics } = setup([{ url: rx.url }]);
  events.emit('image.newly_denied', verdict, { ...verdict, decision: 'allow' });
  await rx.waitFor(3);
  await d.idle();
  assert.equal(rx.received.length, 3);
  assert.equal(new Set(rx.received.map((r) => r.body)).size, 1);
  assert.equal(rx.received[0]!.json.type, 'dev.portcullis.image.newly_denied');
  assert.equal(rx.received[0]!.json.subject, `library/alpine@${verdict.digest}`);
  assert.equal(rx.received[0]!.json.data.previous.decision, 'allow');
  assert.equal(rx.received[0]!.headers['x-portcullis-signature'], undefined, 'no secret: unsigned');
  assert.equal(await counter(metrics, { result: 'delivered' }), 1);
  await d.close();
  await rx.stop();
});

test('gives up after maxAttempts with one log line that names neither the secret nor the URL path', async () => {
  const rx = await startReceiver(() => 503);
  const { d, events, lines, metrics } = setup([{ url: rx.url, secret: 'hunter2', maxAttempts: 3 }]);
  events.emit('scan.failed', verdict, 'layer too large');
  await rx.waitFor(3);
  await d.idle();
  assert.equal(rx.received.length, 3);
  assert.equal(rx.received[0]!.json.data.error, 'layer too large');
  const gaveUp = lines.filter((l) => l.msg === 'webhook delivery failed; giving up');
  assert.equal(gaveUp.length, 1);
  assert.equal(gaveUp[0]!.level, 'warn');
  assert.equal(gaveUp[0]!.attempts, 3);
  assert.equal(gaveUp[0]!.event, 'scan.failed');
  assert.equal(gaveUp[0]!.error, 'HTTP 503');
  const all = lines.map((l) => JSON.stringify(l)).join('\n');
  assert.ok(!all.includes('hunter2') && !all.includes('s3cr3t-path'));
  assert.equal(await counter(metrics, { result: 'failed' }), 1);
  await d.close();
  await rx.stop();
});

test('a 4xx other than 408/429 is not retried', async () => {
  const rx = await startReceiver(() => 400);
  const { d, events } = setup([{ url: rx.url }]);
  events.emit('pull.denied', verdict);
  await rx.waitFor(1);
  await d.idle();
  assert.equal(rx.received.length, 1);
  await d.close();
  await rx.stop();
});

test('events are filtered per endpoint', async () => {
  const onlyScans = await startReceiver();
  const everything = await startReceiver();
  const { d, events } = setup([{ url: onlyScans.url, events: ['scan.failed'] }, { url: everything.url }]);
  events.emit('pull.denied', verdict);
  events.emit('scan.failed', verdict, 'timeout');
  await everything.waitFor(2);
  await onlyScans.waitFor(1);
  await d.idle();
  assert.deepEqual(onlyScans.received.map((r) => r.json.type), ['dev.portcullis.scan.failed']);
  assert.deepEqual(everything.received.map((r) => r.json.type).sort(), ['dev.portcullis.pull.denied', 'dev.portcullis.scan.failed']);
  await d.close();
  await Promise.all([onlyScans.stop(), everything.stop()]);
});

test('publishing never waits; the queue is bounded; close is bounded even when the endpoint hangs', async () => {
  const rx = await startReceiver(() => 'hang');
  const { d, events, metrics } = setup([{ url: rx.url, timeout: 60_000 }], { queueLimit: 3 });
  const started = performance.now();
  for (let i = 0; i < 10; i++) events.emit('pull.denied', { ...verdict, n: i });
  assert.ok(performance.now() - started < 50, 'emit returns at once');
  assert.equal(d.pending(), 3);
  assert.equal(await counter(metrics, { result: 'dropped' }), 7);
  await rx.waitFor(3);
  const closing = performance.now();
  await d.close(200);
  assert.ok(performance.now() - closing < 2_000, 'close gave up on the hanging POSTs');
  assert.equal(d.pending(), 0);
  events.emit('pull.denied', verdict); // after close: counted as dropped, no throw
  assert.equal(await counter(metrics, { result: 'dropped' }), 11);
  await rx.stop();
});

test('config webhooks are wired into a gateway (with the denial counter) and drained when it stops', async () => {
  const rx = await startReceiver();
  const events = new EventEmitter();
  const gw = await startTestGateway({
    upstreams: { local: { url: 'http://127.0.0.1:9', insecure: true } },
    server: { listen: '127.0.0.1:0', publicUrl: 'https://mirror.example.com' },
    webhooks: [{ url: rx.url, secret: 'hunter2', events: ['pull.denied'] }],
  }, { extend: async (core) => gateEventsExtension(core, events) });
  assert.equal(events.listenerCount('pull.denied'), 2, 'webhooks and the denial counter');
  events.emit('image.newly_denied', verdict); // filtered out
  events.emit('pull.denied', verdict, { upstream: 'local', repository: 'library/alpine' });
  await rx.waitFor(1);
  assert.equal(await metricValue(gw.url, 'portcullis_pull_denials_total', { upstream: 'local' }), 1);
  await gw.stop();
  assert.equal(events.listenerCount('pull.denied'), 0, 'unsubscribed on close');
  assert.equal(rx.received.length, 1);
  assert.equal(rx.received[0]!.json.source, 'https://mirror.example.com');
  assert.ok(verifySignature('hunter2', rx.received[0]!.body, rx.received[0]!.headers['x-portcullis-signature'] as string));
  await rx.stop();
});

test('a delivery span links to the trace that raised the event (its last argument), which stays out of the event', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 'webhook-test', sampleRatio: 1, logger: silentLogger, exporter, exportDelayMs: 1 });
  const rx = await startReceiver();
  const { d, events } = setup([{ url: rx.url }]);
  try {
    const pullSpan = tracing.tracer.startSpan('GET /v2/{name}/manifests/{reference}', {}, NO_TRACE);
    const pull = { upstream: 'dockerhub', repository: 'library/alpine' };
    events.emit('pull.denied', verdict, pull, trace.setSpan(NO_TRACE, pullSpan));
    pullSpan.end();
    await rx.waitFor(1);
    await d.idle();
    assert.deepEqual(rx.received[0]!.json.data, { verdict, pull });
    await tracing.forceFlush();
    const delivery = exporter.getFinishedSpans().find((s) => s.name === SpanName.webhookDelivery);
    assert.ok(delivery, 'a delivery span');
    assert.equal(delivery.parentSpanContext, undefined, 'a trace of its own');
    assert.deepEqual(delivery.links.map((l) => l.context.spanId), [pullSpan.spanContext().spanId]);
    assert.equal(delivery.links[0]!.context.traceId, pullSpan.spanContext().traceId);
  } finally {
    await d.close();
    await rx.stop();
    await tracing.shutdown();
  }
});
