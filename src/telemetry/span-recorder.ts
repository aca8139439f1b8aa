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
  type SpanContext, type SpanOptions, type SpanStatus, type TimeInput, type Tracer,
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
/** performance.timeOrigin as seconds and nanoseconds (as OpenTelemetry's millisToHrTime splits it) */
const ORIGIN_SEC = Math.trunc(performance.timeOrigin / 1000);
const ORIGIN_NANOS = Math.round((performance.timeOrigin % 1000) * 1e6);

/** Epoch time of a performance.now() reading: the sum OpenTelemetry's hrTime() makes, without a floating-point remainder. */
export function epochOfPerformance(ms: number): HrTime {
  const whole = Math.floor(ms);
  const sec = Math.floor(whole / 1000);
  let nanos = ORIGIN_NANOS + (whole - sec * 1000) * 1e6 + Math.round((ms - whole) * 1e6);
  let carry = 0;
  if (nanos >= 1e9) { nanos -= 1e9; carry = 1; }
  return [ORIGIN_SEC + sec + carry, nanos];
}

/**
 * Random ids, cut from a pool of random bytes and its hex string: one system call and one hex
 * conversion per 4096 spans, an id a substring (V8 shares the pool's characters). A full pool is
 * replaced, not refilled: spans keep a reference to the bytes of their ids (the encoder copies
 * them instead of decoding hex).
 */
const POOL_BYTES = 65536;
let pool = Buffer.alloc(0);
let poolHex = '';
let poolAt = 0;

/** An id: its hex, and where its bytes are. */
interface Id { hex: string; bytes: Buffer; at: number }

function newId(length: number): Id {
  if (poolAt + length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    poolHex = pool.toString('hex');
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += length;
  return { hex: poolHex.substring(2 * at, 2 * (at + length)), bytes: pool, at };
}

function newSpanId(): Id {
  for (;;) {
    const id = newId(8);
    if (id.hex !== INVALID_SPANID) return id;
  }
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

  startSpan(name: string, options: SpanOptions = {}, context: Context = ROOT_CONTEXT): Span {
    const parentSpan = options.root ? undefined : trace.getSpan(context);
    let parent = parentSpan?.spanContext();
    if (parent && (parent.traceId === INVALID_TRACEID || parent.spanId === INVALID_SPANID)) parent = undefined;
    let ctx: SpanContext;
    let traceId: Id | undefined;
    const spanId = newSpanId();
    if (parent) {
      ctx = { traceId: parent.traceId, spanId: spanId.hex, traceFlags: parent.traceFlags & TraceFlags.SAMPLED };
      if (parent.traceState) ctx.traceState = parent.traceState;
    } else {
      traceId = newId(16);
      if (traceId.hex === INVALID_TRACEID) return this.startSpan(name, options, context);
      const sampled = traceId.bytes.readUInt32BE(traceId.at + 12) < this.threshold; // the trace id's last 4 bytes
      ctx = { traceId: traceId.hex, spanId: spanId.hex, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE };
    }
    // Not sampled: a span that only carries the ids, so its children know not to record either.
    if ((ctx.traceFlags & TraceFlags.SAMPLED) === 0) return trace.wrapSpanContext(ctx);
    const recordedParent = parent && parentSpan instanceof RecordedSpan ? parentSpan : undefined;
    if (!traceId && recordedParent) traceId = recordedParent.traceIdBytes;
    return new RecordedSpan(this, this.sink, name, options, ctx, parent, spanId, traceId, recordedParent?.spanIdBytes);
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

  constructor(
    private readonly recorder: SpanRecorder,
    private readonly sink: EndedSpanSink,
    public name: string,
    options: SpanOptions,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    /** where the bytes of the ids are (the encoder copies them); undefined: decode the hex */
    readonly spanIdBytes: Id,
    readonly traceIdBytes: Id | undefined,
    readonly parentSpanIdBytes: Id | undefined,
  ) {
    this.kind = options.kind ?? SpanKind.INTERNAL;
    this.startMs = performance.now();
    if (options.startTime !== undefined) this.givenStart = timeInputToHrTime(options.startTime);
    if (options.attributes) this.setAttributes(options.attributes);
    if (options.links) this.addLinks(options.links);
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
    return this.context;
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
