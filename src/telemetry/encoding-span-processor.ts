/**
 * The batch span processor Portcullis exports with: OpenTelemetry's BatchSpanProcessor semantics
 * (batches of `maxBatchSpans` or whatever ended within `delayMs`, one export in flight, a bounded
 * queue that drops and counts past `maxQueueSpans`), except that the spans that ended in a turn
 * of the event loop are encoded to OTLP/protobuf together right after it, and only their bytes
 * wait for the export. Spans held as objects until their batch leaves outlive the young
 * generation at every traced request; bytes do not.
 */
import { TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EncodedSpanBatch } from './otlp-proto.js';
import { RecordedSpan } from './span-recorder.js';

/** One ExportTraceServiceRequest, encoded. */
export interface EncodedExport {
  bytes: Uint8Array;
  spans: number;
}

/** Where encoded batches go (the OTLP/HTTP transport, retries and timeouts included). */
export interface EncodedExportSink {
  export(batch: EncodedExport, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

export interface EncodingSpanProcessorOptions {
  maxBatchSpans: number;
  /** spans waiting (encoded) beyond which new ones are dropped */
  maxQueueSpans: number;
  /** how long the first span of a batch waits for the others */
  delayMs: number;
  /** a batch failed (after the transport's retries) */
  onExportFailed?: (error: Error | undefined, spans: number) => void;
  /** a span was dropped: the queue was full */
  onDropped?: () => void;
  /** a span was dropped: it could not be encoded */
  onEncodeFailed?: (error: Error) => void;
}

export class EncodingSpanProcessor implements SpanProcessor {
  private readonly batch = new EncodedSpanBatch();
  private readonly queue: EncodedExport[] = [];
  private queuedSpans = 0;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** spans dropped: the queue was full, or the span could not be encoded */
  dropped = 0;
  /** spans ended in this turn of the event loop: encoded together right after it */
  private ended: ReadableSpan[] = [];
  private encodeScheduled = false;

  constructor(private readonly sink: EncodedExportSink, private readonly opts: EncodingSpanProcessorOptions) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    // a RecordedSpan is sampled by construction (its SpanContext is only made when asked for)
    if (this.closed || (!(span instanceof RecordedSpan) && (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0)) return;
    if (this.queuedSpans + this.batch.count + this.ended.length >= this.opts.maxQueueSpans) {
      this.dropped++;
      this.opts.onDropped?.();
      return;
    }
    this.ended.push(span);
    if (!this.encodeScheduled) {
      this.encodeScheduled = true;
      setImmediate(this.encodeEnded);
    }
  }

  /**
   * Encodes the spans that ended in the last turn of the event loop, in one loop (the encoder's
   * code and tables stay in the CPU's caches) and before they can outlive the young generation.
   */
  private readonly encodeEnded = (): void => {
    this.encodeScheduled = false;
    const spans = this.ended;
    this.ended = [];
    for (const span of spans) {
      try {
        this.batch.add(span);
      } catch (e) {
        // a span that cannot be encoded is dropped and reported, the others still go
        this.dropped++;
        this.opts.onEncodeFailed?.(e as Error);
        continue;
      }
      if (this.batch.count >= this.opts.maxBatchSpans) {
        this.seal();
        this.pump();
      }
    }
    if (this.batch.count > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.seal();
        this.pump();
      }, this.opts.delayMs);
      this.timer.unref();
    }
  };

  /** Sends everything ended so far and resolves when the queue is empty. */
  forceFlush(): Promise<void> {
    this.encodeEnded();
    this.seal();
    this.pump();
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    await this.forceFlush();
    this.closed = true;
    await this.sink.shutdown();
  }

  private seal(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.batch.count === 0) return;
    const spans = this.batch.count;
    this.queue.push({ bytes: this.batch.take(), spans });
    this.queuedSpans += spans;
  }

  private pump(): void {
    if (this.sending) return;
    const next = this.queue.shift();
    if (!next) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    this.sending = true;
    let settled = false;
    const done = (result: ExportResult) => {
      if (settled) return;
      settled = true;
      this.sending = false;
      this.queuedSpans -= next.spans;
      if (result.code !== ExportResultCode.SUCCESS) this.opts.onExportFailed?.(result.error, next.spans);
      this.pump();
    };
    try {
      this.sink.export(next, done);
    } catch (e) {
      done({ code: ExportResultCode.FAILED, error: e as Error });
    }
  }
}
