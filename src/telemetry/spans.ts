/**
 * Spans around units of work, through the OpenTelemetry API (a no-op until the SDK is registered
 * by telemetry setup). Each helper takes the parent's TraceContext and hands its own to the work
 * it wraps (trace-context.ts). Span and attribute names live in attributes.ts.
 */
import { trace, SpanKind, SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { PORTCULLIS_VERSION } from '../version.js';
import { Attr, Semconv, SpanName } from './attributes.js';
import { isRecording, type TraceContext } from './trace-context.js';

export const tracer = trace.getTracer('portcullis', PORTCULLIS_VERSION);

const INTERNAL = { kind: SpanKind.INTERNAL };

function failed(span: Span, e: unknown): void {
  span.recordException(e as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
}

/**
 * Runs `fn` inside a new span, a child of `parent` (a root when there is none); records
 * exceptions and ends the span. `fn` gets the span and the context its own children hang from.
 */
export async function withSpan<T>(parent: TraceContext, name: string, attributes: Attributes, fn: (span: Span, ctx: TraceContext) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent);
  try {
    return await fn(span, trace.setSpan(parent, span));
  } catch (e) {
    failed(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** Like withSpan, but only below a recording span (details of a request, never a trace of their own). */
export function childSpan<T>(parent: TraceContext, name: string, attributes: Attributes, fn: (ctx: TraceContext) => Promise<T>): Promise<T> {
  if (!isRecording(parent)) return fn(parent);
  return withSpan(parent, name, attributes, (_span, ctx) => fn(ctx));
}

/** An upstream URL without credentials or query (token URLs carry account names and scopes). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '';
  }
}

export interface UpstreamSpanInfo {
  upstream: string;
  kind: string;
  method: string;
  url: string;
}

/**
 * One CLIENT span per upstream request (auth, retries and redirects included), ended when the
 * response headers arrive. `statusOf` reads the HTTP status from the result; `fn` gets the
 * context of the span (a token request it needs is its child).
 */
export async function tracedUpstream<T>(parent: TraceContext, info: UpstreamSpanInfo, fn: (ctx: TraceContext) => Promise<T>, statusOf: (result: T) => number): Promise<T> {
  if (!isRecording(parent)) return fn(parent);
  const url = safeUrl(info.url);
  const attributes: Attributes = {
    [Attr.upstream]: info.upstream,
    [Attr.upstreamKind]: info.kind,
    [Semconv.httpRequestMethod]: info.method,
    [Semconv.urlFull]: url,
  };
  if (url) {
    const u = new URL(url);
    attributes[Semconv.serverAddress] = u.hostname;
    attributes[Semconv.serverPort] = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  }
  const span = tracer.startSpan(SpanName.upstreamRequest, { kind: SpanKind.CLIENT, attributes }, parent);
  try {
    const result = await fn(trace.setSpan(parent, span));
    const status = statusOf(result);
    span.setAttribute(Semconv.httpResponseStatusCode, status);
    if (status >= 400) {
      span.setAttribute(Semconv.errorType, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return result;
  } catch (e) {
    span.setAttribute(Semconv.errorType, (e as Error)?.name ?? 'Error');
    failed(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** A cache lookup span (`portcullis.cache`, `portcullis.cache.hit` = found). No extra async frame: lookups are hot. */
export function cacheLookup<T>(parent: TraceContext, cache: string, fn: () => Promise<T | undefined>): Promise<T | undefined> {
  if (!isRecording(parent)) return fn();
  const span = tracer.startSpan(SpanName.cacheLookup, INTERNAL, parent);
  span.setAttribute(Attr.cache, cache);
  return fn().then(
    (found) => { span.setAttribute(Attr.cacheHit, found !== undefined); span.end(); return found; },
    (e: unknown) => { span.recordException(e as Error); span.end(); throw e; },
  );
}

/** The synchronous variant, for in-memory indexes. */
export function cacheLookupSync<T>(parent: TraceContext, cache: string, fn: () => T | undefined): T | undefined {
  if (!isRecording(parent)) return fn();
  const span = tracer.startSpan(SpanName.cacheLookup, INTERNAL, parent);
  span.setAttribute(Attr.cache, cache);
  try {
    const found = fn();
    span.setAttribute(Attr.cacheHit, found !== undefined);
    return found;
  } finally {
    span.end();
  }
}

/** Tag → digest resolution (tag cache, then a HEAD or GET upstream). */
export function tracedTagResolve<T>(parent: TraceContext, tag: string, fn: (ctx: TraceContext) => Promise<T>): Promise<T> {
  return childSpan(parent, SpanName.tagResolve, { [Attr.reference]: tag }, fn);
}
