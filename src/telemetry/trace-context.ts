/**
 * The trace a unit of work belongs to, passed by hand from the request that started it down to
 * the spans below it (Go's `ctx`), never looked up from AsyncLocalStorage: on Node 20 that store
 * rides on a promise hook run for every promise of every request, traced or not, and cost more
 * than the spans themselves (docs/runbook.md, tracing cost). Work that no request started
 * (rescans, webhook deliveries) begins at NO_TRACE and makes its own root spans.
 */
import { TraceFlags, createContextKey, trace, type Context } from '@opentelemetry/api';

export type TraceContext = Context;

/**
 * An OpenTelemetry Context as a chain of single entries: setValue allocates one small object,
 * where the API's own context copies a Map each time. A request's chain is a few entries deep.
 */
class ChainContext implements Context {
  constructor(private readonly parent: ChainContext | undefined, private readonly key: symbol | undefined, private readonly value: unknown) {}

  getValue(key: symbol): unknown {
    for (let c: ChainContext | undefined = this; c; c = c.parent) if (c.key === key) return c.value;
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return new ChainContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new ChainContext(this, key, undefined);
  }
}

/** No trace yet: spans started here are roots (sampled by `telemetry.sampleRatio`). */
export const NO_TRACE: TraceContext = new ChainContext(undefined, undefined, undefined);

const CLIENT_TRACE = createContextKey('portcullis.client-trace');

/** Marks a request's context as continuing a trace the client started (its `traceparent`). */
export function markClientTrace(ctx: TraceContext): TraceContext {
  return ctx.setValue(CLIENT_TRACE, true);
}

/** True when the context's span records: child spans below it are only worth making then. */
export function isRecording(ctx: TraceContext): boolean {
  return trace.getSpan(ctx)?.isRecording() === true;
}

/**
 * Trace and span ids for a log line: when the trace is recorded, or when the client started it
 * (its own logs have the id). The ids of a new trace that was not sampled are recorded nowhere,
 * so they are left out.
 */
export function traceLogFields(ctx: TraceContext | undefined): { trace_id: string; span_id: string; trace_flags: string } | undefined {
  const span = ctx && trace.getSpan(ctx);
  if (!span) return undefined;
  const c = span.spanContext();
  const sampled = (c.traceFlags & TraceFlags.SAMPLED) !== 0;
  if (!sampled && ctx.getValue(CLIENT_TRACE) !== true) return undefined;
  if (!trace.isSpanContextValid(c)) return undefined;
  return { trace_id: c.traceId, span_id: c.spanId, trace_flags: sampled ? '01' : '00' };
}

/** The trace of a request (Koa `ctx.state`, set by the server span; NO_TRACE when tracing is off). */
export function requestTrace(state: { trace?: TraceContext }): TraceContext {
  return state.trace ?? NO_TRACE;
}
