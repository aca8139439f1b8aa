/**
 * OpenTelemetry traces: a tracer provider whose spans (span-recorder.ts) are encoded soon after
 * they end and exported in batches over OTLP/HTTP, parent-based ratio sampling, the service
 * resource.
 * Off (nothing registered, nothing on the request path) when `telemetry.otlpEndpoint` is empty.
 * No context manager is installed: parents are passed by hand (trace-context.ts), W3C trace
 * context is read by the server span (server-span.ts).
 *
 * The OpenTelemetry API allows one global tracer provider per process. Portcullis registers one
 * switchable provider once and points it at the running gateway's own provider, so gateways
 * started one after another in a process (tests) each get their own pipeline.
 */
import os from 'node:os';
import { ProxyTracerProvider, trace, type Tracer, type TracerProvider, type TracerOptions } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../log.js';
import { PORTCULLIS_VERSION } from '../version.js';
import { Semconv } from './attributes.js';
import { EncodingSpanProcessor } from './encoding-span-processor.js';
import { createExportThreadSink } from './export-thread-sink.js';
import { SpanRecorder } from './span-recorder.js';

export interface TracingOptions {
  /** OTLP/HTTP base URL (…:4318) or the full …/v1/traces URL */
  endpoint: string;
  headers?: Record<string, string>;
  serviceName: string;
  /** 0..1 of new traces (no sampled parent) that are recorded */
  sampleRatio: number;
  logger: Logger;
  /** replaces the OTLP exporter (tests) */
  exporter?: SpanExporter;
  /** how long a batch waits before export. Default 2000 ms */
  exportDelayMs?: number;
}

export interface Tracing {
  /** the tracer for spans this module starts itself (server spans) */
  tracer: Tracer;
  forceFlush(): Promise<void>;
  /** flushes what is queued (bounded) and detaches this pipeline */
  shutdown(): Promise<void>;
}

const NOOP: TracerProvider = new ProxyTracerProvider();

/** Forwards every call to whichever provider is current (or a no-op). */
class SwitchTracer implements Tracer {
  private cachedFor?: TracerProvider;
  private cached?: Tracer;
  constructor(private readonly owner: SwitchableTracerProvider, private readonly name: string, private readonly version?: string, private readonly options?: TracerOptions) {}
  private current(): Tracer {
    const target = this.owner.target ?? NOOP;
    if (target !== this.cachedFor) {
      this.cached = target.getTracer(this.name, this.version, this.options);
      this.cachedFor = target;
    }
    return this.cached!;
  }
  startSpan: Tracer['startSpan'] = (name, options, ctx) => this.current().startSpan(name, options, ctx);
  startActiveSpan = ((...args: unknown[]) => {
    const t = this.current();
    return (t.startActiveSpan as (...a: unknown[]) => unknown).apply(t, args);
  }) as Tracer['startActiveSpan'];
}

/** The process' global tracer provider, registered once. */
class SwitchableTracerProvider implements TracerProvider {
  target: TracerProvider | undefined;
  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    return new SwitchTracer(this, name, version, options);
  }
}

let global: SwitchableTracerProvider | undefined;

function globalProvider(): SwitchableTracerProvider {
  if (!global) {
    global = new SwitchableTracerProvider();
    trace.setGlobalTracerProvider(global);
  }
  return global;
}

export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** A warning at most once a minute: a collector that is down must not flood the log. */
function rateLimitedWarning(logger: Logger, msg: string): (fields: Record<string, unknown>) => void {
  let last = 0;
  return (fields) => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    logger.warn(msg, fields);
  };
}

/** Logs failed exports instead of OpenTelemetry's silent default (an exporter passed in: tests). */
class LoggingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter, private readonly warn: (fields: Record<string, unknown>) => void) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.warn({ spans: spans.length, error: result.error?.message });
      done(result);
    });
  }
  shutdown(): Promise<void> { return this.inner.shutdown(); }
  forceFlush(): Promise<void> { return this.inner.forceFlush?.() ?? Promise.resolve(); }
}

/**
 * Spans per export request (~300 bytes each as OTLP/protobuf, so ~600 KB, well under collectors'
 * request limits). Sending costs less a span the larger the request: measured with
 * bench/lib/export-cost.ts on loopback, encoding and sending cost about 1.9 µs a span in batches
 * of 512 and 1.3 in batches of 2048 (encoding alone 0.85). The processor sends one batch at a
 * time, so a collector with round trip R takes at most 2048/R spans a second (100k/s at 20 ms).
 * The queue (16k spans, ~5 MB encoded) bounds memory.
 */
export const EXPORT_BATCH_SPANS = 2048;

function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    p.then(() => { clearTimeout(t); resolve(); }, () => { clearTimeout(t); resolve(); });
  });
}

/** Spans waiting for export (encoded, ~300 bytes each) beyond which new ones are dropped. */
const MAX_QUEUED_SPANS = 16_384;

/**
 * OTLP/HTTP: spans are encoded as they end and leave in batches (encoding-span-processor.ts). An
 * exporter passed in (tests) gets span objects through OpenTelemetry's BatchSpanProcessor.
 */
function spanProcessor(opts: TracingOptions, url: string): SpanProcessor {
  const warn = rateLimitedWarning(opts.logger, 'trace export failed');
  const delayMs = opts.exportDelayMs ?? 2000;
  if (opts.exporter) {
    return new BatchSpanProcessor(new LoggingExporter(opts.exporter, (fields) => warn({ endpoint: url, ...fields })), { maxQueueSize: MAX_QUEUED_SPANS, maxExportBatchSize: EXPORT_BATCH_SPANS, scheduledDelayMillis: delayMs, exportTimeoutMillis: 10_000 });
  }
  const dropped = rateLimitedWarning(opts.logger, 'trace export queue full: spans dropped (is the collector keeping up?)');
  const encodeWarn = rateLimitedWarning(opts.logger, 'span not exported: it could not be encoded');
  const unencodable = (error: Error) => encodeWarn({ error: error.message });
  return new EncodingSpanProcessor(createExportThreadSink({ url, headers: opts.headers, timeoutMillis: 10_000 }), {
    maxBatchSpans: EXPORT_BATCH_SPANS,
    maxQueueSpans: MAX_QUEUED_SPANS,
    delayMs,
    onExportFailed: (error, spans) => warn({ endpoint: url, spans, error: error?.message }),
    onDropped: () => dropped({ endpoint: url, queued: MAX_QUEUED_SPANS }),
    onEncodeFailed: unencodable,
  });
}

export function startTracing(opts: TracingOptions): Tracing {
  const url = tracesUrl(opts.endpoint);
  const processor = spanProcessor(opts, url);
  const resource = resourceFromAttributes({
    [Semconv.serviceName]: opts.serviceName,
    [Semconv.serviceVersion]: PORTCULLIS_VERSION,
    [Semconv.serviceInstanceId]: `${os.hostname()}:${process.pid}`,
  });
  const recorders = new Map<string, SpanRecorder>();
  const provider: TracerProvider = {
    getTracer(name, version) {
      const id = `${name}@${version ?? ''}`;
      let r = recorders.get(id);
      if (!r) recorders.set(id, (r = new SpanRecorder(resource, { name, version }, processor, opts.sampleRatio)));
      return r;
    },
  };
  const switchable = globalProvider();
  switchable.target = provider;
  opts.logger.info('tracing on', { endpoint: url, sampleRatio: opts.sampleRatio, serviceName: opts.serviceName });
  return {
    tracer: provider.getTracer('portcullis', PORTCULLIS_VERSION),
    forceFlush: () => processor.forceFlush(),
    async shutdown() {
      if (switchable.target === provider) switchable.target = undefined;
      await bounded(processor.shutdown(), 5_000);
    },
  };
}
