/**
 * The tracer behind the OpenTelemetry API that Portcullis records its spans with: OpenTelemetry's
 * Tracer and Span interfaces, the SDK's ReadableSpan for what ended (so any SDK span processor or
 * exporter takes it, and otlp-proto.ts encodes it), parent-based ratio sampling, W3C ids and the
 * SDK's default limits, with none of the SDK tracer's per-span work a gateway does not need:
 * no context manager lookups, no regular expressions over ids already known to be valid, no
 * id strings built a byte at a time, no HrTime arithmetic until a span is exported. With every
 * request of a cached manifest GET traced, that work cost more than the request itself
 * (docs/runbook.md, tracing cost).
 */
import { randomFillSync } from 'node:crypto';
import {
  INVALID_SPANID, INVALID_TRACEID, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace,
  type Attributes, type AttributeValue, type Context, type Exception, type HrTime, type Link, type Span,
  type SpanContext, type SpanOptions, type SpanStatus, type TimeInput, type Tracer, type TraceState,
} from '@opentelemetry/api';
import { addHrTimes, hrTimeDuration, isAttributeValue, isTimeInput, millisToHrTime, sanitizeAttributes, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** Where ended spans go: an OpenTelemetry SpanProcessor's onEnd (the encoding processor, or an SDK one in tests). */
export interface EndedSpanSink {
  onEnd(span: ReadableSpan): void;
}

/** Attributes, events and links kept per span (OpenTelemetry's default span limits); more are dropped and counted. */
export const SPAN_LIMIT = 128;

const EXCEPTION_EVENT = 'exception';
const NONE = Object.freeze([]) as unknown as never[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NO_OPTIONS: SpanOptions = Object.freeze({});
/** performance.timeOrigin as seconds and nanoseconds (as OpenTelemetry's millisToHrTime splits it) */
const ORIGIN_SEC = Math.trunc(performance.timeOrigin / 1000);
const ORIGIN_NANOS = Math.round((performance.timeOrigin % 1000) * 1e6);

/**
 * Epoch time of a performance.now() reading as seconds and nanoseconds, in `out` (no allocation:
 * the encoder calls this twice for every span): the sum OpenTelemetry's hrTime() makes, without
 * a floating-point remainder.
 */
export function epochOfPerformanceInto(ms: number, out: Float64Array): void {
  const whole = Math.floor(ms);
  const sec = Math.floor(whole / 1000);
  let nanos = ORIGIN_NANOS + (whole - sec * 1000) * 1e6 + Math.round((ms - whole) * 1e6);
  let carry = 0;
  if (nanos >= 1e9) { nanos -= 1e9; carry = 1; }
  out[0] = ORIGIN_SEC + sec + carry;
  out[1] = nanos;
}

const scratchTime = new Float64Array(2);

/** Epoch time of a performance.now() reading, as an HrTime (epochOfPerformanceInto). */
export function epochOfPerformance(ms: number): HrTime {
  epochOfPerformanceInto(ms, scratchTime);
  return [scratchTime[0]!, scratchTime[1]!];
}

/**
 * Random ids, cut from a pool of random bytes: one system call per 4096 spans. A recorded span
 * keeps where its ids are in the pool (the encoder copies the bytes) and makes their hex only if
 * something asks for its SpanContext, which the spans of a cached GET never do. The ids of spans
 * that are not recorded are substrings of the pool's hex, made once per pool when first needed.
 * A full pool is replaced, not refilled (spans still point into the old one).
 */
const POOL_BYTES = 65536;
let pool = Buffer.alloc(0);
let poolHex: string | undefined;
let poolAt = 0;

/** Cuts `length` random bytes from the pool (they are `pool` at the returned offset), never all zero (an invalid id). */
function cutId(length: number): number {
  for (;;) {
    if (poolAt + length > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
      poolHex = undefined;
      poolAt = 0;
    }
    const at = poolAt;
    poolAt += length;
    for (let i = at; i < at + length; i++) if (pool[i] !== 0) return at;
  }
}

function hexOf(bytes: Buffer, at: number, length: number): string {
  if (bytes !== pool) return bytes.toString('hex', at, at + length);
  poolHex ??= pool.toString('hex');
  return poolHex.substring(2 * at, 2 * (at + length));
}

export class SpanRecorder implements Tracer {
  /** new traces recorded when a uint32 of their random trace id is below this */
  private readonly threshold: number;

  constructor(
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    private readonly sink: EndedSpanSink,
    /** 0..1 of new traces (no parent) that are recorded; children follow their parent's decision */
    sampleRatio: number,
  ) {
    this.threshold = Math.min(1, Math.max(0, sampleRatio)) * 0x100000000;
  }

  startSpan(name: string, options: SpanOptions = NO_OPTIONS, context: Context = ROOT_CONTEXT): Span {
    const parentSpan = options.root ? undefined : trace.getSpan(context);
    // The common case: a child of a span recorded here takes its trace from it, no SpanContext made.
    if (parentSpan instanceof RecordedSpan) {
      const spanAt = cutId(8);
      return new RecordedSpan(this, this.sink, name, options, pool, spanAt, parentSpan.traceIdBytes, parentSpan.traceIdAt, parentSpan.traceIdHex, parentSpan.traceState, parentSpan, undefined);
    }
    let parent = parentSpan?.spanContext();
    if (parent && (parent.traceId === INVALID_TRACEID || parent.spanId === INVALID_SPANID)) parent = undefined;
    if (parent) {
      // a remote parent (the client's traceparent) or a span of another tracer
      const spanAt = cutId(8);
      if ((parent.traceFlags & TraceFlags.SAMPLED) === 0) {
        const ctx: SpanContext = { traceId: parent.traceId, spanId: hexOf(pool, spanAt, 8), traceFlags: TraceFlags.NONE };
        if (parent.traceState) ctx.traceState = parent.traceState;
        return trace.wrapSpanContext(ctx);
      }
      return new RecordedSpan(this, this.sink, name, options, pool, spanAt, undefined, 0, parent.traceId, parent.traceState, undefined, parent);
    }
    const traceAt = cutId(16);
    const traceBytes = pool;
    const spanAt = cutId(8);
    const spanBytes = pool;
    // Not sampled (decided from the trace id's last 4 bytes): a span that only carries the ids, so
    // its children know not to record either.
    if (traceBytes.readUInt32BE(traceAt + 12) >= this.threshold) {
      return trace.wrapSpanContext({ traceId: hexOf(traceBytes, traceAt, 16), spanId: hexOf(spanBytes, spanAt, 8), traceFlags: TraceFlags.NONE });
    }
    return new RecordedSpan(this, this.sink, name, options, spanBytes, spanAt, traceBytes, traceAt, undefined, undefined, undefined, undefined);
  }

  /** No context manager is installed (trace-context.ts): the span is handed to `fn`, never made "active". */
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F;
    const [options, context] = rest as [SpanOptions | undefined, Context | undefined];
    return fn(this.startSpan(name, options, context)) as ReturnType<F>;
  }
}

export class RecordedSpan implements Span, ReadableSpan {
  /** attributes as two lists (no object reshaped per attribute); `attributes` builds the object */
  readonly attributeKeys: string[] = [];
  readonly attributeValues: AttributeValue[] = [];
  /** NONE until the first link or event (most spans have neither) */
  links: Link[] = NONE;
  events: TimedEvent[] = NONE;
  readonly kind: SpanKind;
  status: SpanStatus = UNSET;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  ended = false;
  /** performance.now() at start and end, unless a time was given (then `given*`) */
  readonly startMs: number;
  endMs = 0;
  readonly givenStart?: HrTime;
  givenEnd?: HrTime;

  /** made when first asked for (spanContext) */
  private context: SpanContext | undefined;

  constructor(
    private readonly recorder: SpanRecorder,
    private readonly sink: EndedSpanSink,
    public name: string,
    options: SpanOptions,
    /** where the span id's 8 bytes are (the encoder copies them) */
    readonly spanIdBytes: Buffer,
    readonly spanIdAt: number,
    /** where the trace id's 16 bytes are; undefined when the trace came from elsewhere (then traceIdHex) */
    readonly traceIdBytes: Buffer | undefined,
    readonly traceIdAt: number,
    /** the trace id as hex when it came from a remote parent or another tracer */
    readonly traceIdHex: string | undefined,
    readonly traceState: TraceState | undefined,
    /** the parent when it was recorded here (its ids are its own bytes) */
    readonly recordedParent: RecordedSpan | undefined,
    /** the parent's SpanContext otherwise (remote, or another tracer's) */
    private readonly otherParent: SpanContext | undefined,
  ) {
    this.kind = options.kind ?? SpanKind.INTERNAL;
    this.startMs = performance.now();
    if (options.startTime !== undefined) this.givenStart = timeInputToHrTime(options.startTime);
    if (options.attributes) this.setAttributes(options.attributes);
    if (options.links) this.addLinks(options.links);
  }

  /** ReadableSpan's parent: made from the parent's ids when asked for */
  get parentSpanContext(): SpanContext | undefined {
    return this.recordedParent ? this.recordedParent.spanContext() : this.otherParent;
  }

  get attributes(): Attributes {
    const out: Attributes = {};
    for (let i = 0; i < this.attributeKeys.length; i++) out[this.attributeKeys[i]!] = this.attributeValues[i];
    return out;
  }
  get resource(): Resource { return this.recorder.resource; }
  get instrumentationScope(): InstrumentationScope { return this.recorder.instrumentationScope; }
  get startTime(): HrTime { return this.givenStart ?? epochOfPerformance(this.startMs); }
  get endTime(): HrTime {
    if (this.givenEnd) return this.givenEnd;
    if (!this.ended) return [0, 0];
    return this.givenStart ? addHrTimes(this.givenStart, millisToHrTime(this.endMs - this.startMs)) : epochOfPerformance(this.endMs);
  }
  get duration(): HrTime { return this.ended ? hrTimeDuration(this.startTime, this.endTime) : [0, 0]; }

  spanContext(): SpanContext {
    if (this.context) return this.context;
    const traceId = this.traceIdHex ?? hexOf(this.traceIdBytes!, this.traceIdAt, 16);
    const c: SpanContext = { traceId, spanId: hexOf(this.spanIdBytes, this.spanIdAt, 8), traceFlags: TraceFlags.SAMPLED };
    if (this.traceState) c.traceState = this.traceState;
    return (this.context = c);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value == null || key.length === 0) return this;
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean' && !isAttributeValue(value)) return this;
    const keys = this.attributeKeys;
    // a loop, not indexOf: keys are constants, and === on two of them is a pointer comparison
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) {
        this.attributeValues[i] = value;
        return this;
      }
    }
    if (keys.length >= SPAN_LIMIT) {
      this.droppedAttributesCount++;
    } else {
      this.attributeKeys.push(key);
      this.attributeValues.push(value);
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key]);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
    } else {
      attributes = attributesOrTime;
    }
    if (this.events === NONE) this.events = [];
    if (this.events.length >= SPAN_LIMIT) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    const kept = limited(sanitizeAttributes(attributes));
    this.events.push({ name, attributes: kept.attributes, time: time === undefined ? epochOfPerformance(performance.now()) : timeInputToHrTime(time), droppedAttributesCount: kept.dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === NONE) this.links = [];
    if (this.links.length >= SPAN_LIMIT) {
      this.links.shift();
      this.droppedLinksCount++;
    }
    const kept = limited(sanitizeAttributes(link.attributes));
    const l: Link & { droppedAttributesCount?: number } = { context: link.context };
    if (Object.keys(kept.attributes).length > 0) l.attributes = kept.attributes;
    if (kept.dropped > 0) l.droppedAttributesCount = kept.dropped;
    this.links.push(l);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const l of links) this.addLink(l);
    return this;
  }

  /** UNSET is ignored, OK is final, a message is kept for ERROR only (the SDK's rules). */
  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent(EXCEPTION_EVENT, attributes, time);
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    if (endTime === undefined) this.endMs = Math.max(performance.now(), this.startMs);
    else this.givenEnd = timeInputToHrTime(endTime);
    this.ended = true;
    this.sink.onEnd(this);
  }
}

function limited(attributes: Attributes): { attributes: Attributes; dropped: number } {
  let count = 0;
  let dropped = 0;
  const out: Attributes = {};
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    if (count >= SPAN_LIMIT) { dropped++; continue; }
    out[key] = attributes[key];
    count++;
  }
  return { attributes: out, dropped };
}
