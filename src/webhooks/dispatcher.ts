/**
 * Delivers gate events to the configured webhook endpoints as CloudEvents, off the request path:
 * `publish` only queues. Per endpoint: a bounded queue, a few POSTs at once, retries with
 * exponential backoff and jitter (network errors, timeouts, 408, 429, 5xx) up to `maxAttempts`,
 * then one log line and a metric. Shutdown drains what is in flight (bounded) and drops the rest.
 */
import { Agent, request } from 'undici';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link } from '@opentelemetry/api';
import type { Logger } from '../log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { tracer } from '../telemetry/spans.js';
import { Attr, Semconv, SpanName } from '../telemetry/attributes.js';
import { PORTCULLIS_VERSION } from '../version.js';
import { CLOUDEVENTS_CONTENT_TYPE, WEBHOOK_EVENTS, serializeEvent, signBody, toCloudEvent, type CloudEvent, type WebhookEventName } from './cloudevent.js';

export interface WebhookEndpoint {
  url: string;
  secret?: string;
  /** default: every event */
  events?: readonly WebhookEventName[];
  maxAttempts: number;
  /** per-POST timeout, ms */
  timeout: number;
}

export interface DispatcherOptions {
  /** CloudEvents `source`: the gateway's public URL */
  source: string;
  logger: Logger;
  metrics?: Metrics;
  /** first retry delay; doubles per attempt. Default 1000 ms */
  backoffBaseMs?: number;
  /** longest delay between attempts. Default 60 s */
  backoffMaxMs?: number;
  /** events waiting per endpoint (queued, retrying or in flight); more are dropped. Default 1000 */
  queueLimit?: number;
  /** POSTs at once per endpoint. Default 4 */
  concurrency?: number;
}

/** What `subscribe` needs: an EventEmitter (or anything with on/off). */
export interface EventSource {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Names of the gate's event arguments (src/gate/gate-events.ts), first always the Verdict; the
 * argument after them is the trace context of the work that raised the event.
 */
const ARGUMENTS: Record<WebhookEventName, readonly string[]> = {
  'pull.denied': ['verdict', 'pull'],
  'image.newly_denied': ['verdict', 'previous'],
  'scan.failed': ['verdict', 'error'],
};

export function eventData(name: WebhookEventName, args: readonly unknown[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  ARGUMENTS[name].forEach((key, i) => { if (args[i] !== undefined) data[key] = args[i]; });
  return data;
}

interface Job { event: CloudEvent; name: WebhookEventName; body: string; attempt: number; timer?: NodeJS.Timeout; link?: Link }

interface Queue {
  index: number;
  endpoint: WebhookEndpoint;
  /** for logs: never the path or query, which often hold the endpoint's secret */
  host: string;
  ready: Job[];
  retrying: Set<Job>;
  active: number;
  /** queue-full drops since the last log line (logged at most every 10 s) */
  dropped: number;
  droppedLoggedAt: number;
}

type Outcome = { ok: true; status: number } | { ok: false; retry: boolean; why: string; retryAfterMs?: number };

const RETRY_STATUS = new Set([408, 429]);

export class WebhookDispatcher {
  private readonly queues: Queue[];
  private readonly agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  private readonly abort = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;

  constructor(endpoints: readonly WebhookEndpoint[], private readonly opts: DispatcherOptions) {
    this.queues = endpoints.map((endpoint, index) => ({ index, endpoint, host: hostOf(endpoint.url), ready: [], retrying: new Set(), active: 0, dropped: 0, droppedLoggedAt: 0 }));
  }

  /**
   * Listens for every webhook event on `source`; returns the unsubscribe function. The event's
   * arguments become `data`: {verdict, pull} | {verdict, previous} | {verdict, error}.
   */
  subscribe(source: EventSource): () => void {
    const listeners = WEBHOOK_EVENTS.map((name) => [name, (...args: unknown[]) => this.publish(name, eventData(name, args), args[ARGUMENTS[name].length] as Context | undefined)] as const);
    for (const [name, l] of listeners) source.on(name, l);
    return () => { for (const [name, l] of listeners) source.off?.(name, l); };
  }

  /** Queues the event for every endpoint that wants it; its delivery spans link to `raisedIn`. Never throws, never waits. */
  publish(name: WebhookEventName, payload: unknown, raisedIn?: Context): void {
    try {
      const wanting = this.queues.filter((q) => !q.endpoint.events || q.endpoint.events.includes(name));
      if (wanting.length === 0) return;
      if (this.closed) { this.count(name, 'dropped', wanting.length); return; }
      const event = toCloudEvent(name, payload, this.opts.source);
      const body = serializeEvent(event);
      const parent = raisedIn && trace.getSpan(raisedIn)?.spanContext();
      const link = parent && trace.isSpanContextValid(parent) ? { context: parent } : undefined;
      for (const q of wanting) {
        if (this.size(q) >= (this.opts.queueLimit ?? 1000)) {
          this.count(name, 'dropped');
          q.dropped++;
          if (Date.now() - q.droppedLoggedAt > 10_000) {
            this.opts.logger.warn('webhook queue full; events dropped', { webhook: q.index, host: q.host, event: name, events: q.dropped });
            q.droppedLoggedAt = Date.now();
            q.dropped = 0;
          }
          continue;
        }
        q.ready.push({ event, name, body, attempt: 0, link });
        this.pump(q);
      }
      this.gauge();
    } catch (e) {
      this.opts.logger.error('webhook publish failed', { event: name, error: e as Error });
    }
  }

  /** Events not yet delivered, given up or dropped. */
  pending(): number {
    return this.queues.reduce((n, q) => n + this.size(q), 0);
  }

  /** Resolves when nothing is pending (tests, shutdown). */
  idle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /** Stops accepting events, drops scheduled retries, waits (bounded) for POSTs in flight. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let dropped = 0;
    for (const q of this.queues) {
      for (const job of [...q.ready, ...q.retrying]) { clearTimeout(job.timer); this.count(job.name, 'dropped'); dropped++; }
      q.ready = [];
      q.retrying.clear();
    }
    if (dropped > 0) this.opts.logger.warn('webhook events dropped at shutdown', { events: dropped });
    this.gauge();
    const t = setTimeout(() => this.abort.abort(), timeoutMs);
    await this.idle();
    clearTimeout(t);
    await this.agent.close().catch(() => {});
  }

  private size(q: Queue): number {
    return q.ready.length + q.retrying.size + q.active;
  }

  private count(event: string, result: 'delivered' | 'failed' | 'dropped', n = 1): void {
    this.opts.metrics?.webhookDeliveries.inc({ event, result }, n);
  }

  private gauge(): void {
    this.opts.metrics?.webhookQueueDepth.set(this.pending());
    if (this.pending() === 0) { for (const w of this.idleWaiters) w(); this.idleWaiters.clear(); }
  }

  private pump(q: Queue): void {
    while (!this.closed && q.active < (this.opts.concurrency ?? 4) && q.ready.length > 0) {
      const job = q.ready.shift()!;
      q.active++;
      void this.attempt(q, job).finally(() => { q.active--; this.pump(q); this.gauge(); });
    }
  }

  private async attempt(q: Queue, job: Job): Promise<void> {
    job.attempt++;
    const outcome = await this.post(q, job);
    if (outcome.ok) { this.count(job.name, 'delivered'); return; }
    const last = job.attempt >= q.endpoint.maxAttempts;
    if (!outcome.retry || last || this.closed) {
      if (this.closed && !last && outcome.retry) { this.count(job.name, 'dropped'); return; }
      this.count(job.name, 'failed');
      this.opts.logger.warn('webhook delivery failed; giving up', {
        webhook: q.index, host: q.host, event: job.name, id: job.event.id, attempts: job.attempt, error: outcome.why,
      });
      return;
    }
    const base = this.opts.backoffBaseMs ?? 1000;
    const max = this.opts.backoffMaxMs ?? 60_000;
    const backoff = Math.min(max, base * 2 ** (job.attempt - 1)) * (0.5 + Math.random() / 2);
    const delay = Math.min(max, Math.max(backoff, outcome.retryAfterMs ?? 0));
    this.opts.logger.debug('webhook delivery failed; will retry', { webhook: q.index, host: q.host, event: job.name, id: job.event.id, attempt: job.attempt, error: outcome.why, retryInMs: Math.round(delay) });
    q.retrying.add(job);
    job.timer = setTimeout(() => { q.retrying.delete(job); q.ready.push(job); this.pump(q); }, delay);
    job.timer.unref();
  }

  private async post(q: Queue, job: Job): Promise<Outcome> {
    const span = tracer.startSpan(SpanName.webhookDelivery, {
      kind: SpanKind.CLIENT,
      links: job.link ? [job.link] : [],
      attributes: { [Attr.webhookEvent]: job.name, [Attr.webhookAttempt]: job.attempt, [Semconv.httpRequestMethod]: 'POST', [Semconv.serverAddress]: q.host },
    }, ROOT_CONTEXT);
    const headers: Record<string, string> = {
      'content-type': CLOUDEVENTS_CONTENT_TYPE,
      'user-agent': `portcullis/${PORTCULLIS_VERSION}`,
      'x-portcullis-event': job.event.type,
      'x-portcullis-delivery': job.event.id,
    };
    if (q.endpoint.secret) headers['x-portcullis-signature'] = signBody(q.endpoint.secret, job.body);
    let outcome: Outcome;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(q.endpoint.timeout), this.abort.signal]);
      const res = await request(q.endpoint.url, { method: 'POST', headers, body: job.body, dispatcher: this.agent, signal });
      await res.body.dump().catch(() => {});
      span.setAttribute(Semconv.httpResponseStatusCode, res.statusCode);
      this.opts.metrics?.webhookAttempts.inc({ event: job.name, status: String(res.statusCode) });
      if (res.statusCode >= 200 && res.statusCode < 300) outcome = { ok: true, status: res.statusCode };
      else outcome = { ok: false, retry: res.statusCode >= 500 || RETRY_STATUS.has(res.statusCode), why: `HTTP ${res.statusCode}`, retryAfterMs: retryAfterMs(res.headers['retry-after']) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.opts.metrics?.webhookAttempts.inc({ event: job.name, status: 'error' });
      outcome = { ok: false, retry: true, why: err.name === 'TimeoutError' ? `timed out after ${q.endpoint.timeout} ms` : (err.code ?? err.message) };
    }
    if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.why });
    span.end();
    return outcome;
  }
}

function hostOf(url: string): string {
  try { return new URL(url).host; } catch { return '?'; }
}

function retryAfterMs(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const n = Number(s);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const d = Date.parse(s);
  return Number.isNaN(d) ? undefined : Math.max(0, d - Date.now());
}
