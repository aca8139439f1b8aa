/**
 * Spans around units of work, through the OpenTelemetry API (a no-op until the SDK is registered
 * by telemetry setup). Span and attribute names live in attributes.ts.
 */
import { trace, SpanKind, SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { PORTCULLIS_VERSION } from '../version.js';
import { Attr, Semconv, SpanName } from './attributes.js';

export const tracer = trace.getTracer('portcullis', PORTCULLIS_VERSION);

/** Runs `fn` inside a child span of the active one; records exceptions and ends the span. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** True when the active span records: child spans below are only worth making then. */
function tracing(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
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
 * response headers arrive. `statusOf` reads the HTTP status from the result.
 */
export async function tracedUpstream<T>(info: UpstreamSpanInfo, fn: () => Promise<T>, statusOf: (result: T) => number): Promise<T> {
  if (!tracing()) return fn();
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
  return tracer.startActiveSpan(SpanName.upstreamRequest, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await fn();
      const status = statusOf(result);
      span.setAttribute(Semconv.httpResponseStatusCode, status);
      if (status >= 400) {
        span.setAttribute(Semconv.errorType, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return result;
    } catch (e) {
      span.recordException(e as Error);
      span.setAttribute(Semconv.errorType, (e as Error)?.name ?? 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** A cache lookup span (`portcullis.cache`, `portcullis.cache.hit` = found). No extra async frame: lookups are hot. */
export function cacheLookup<T>(cache: string, fn: () => Promise<T | undefined>): Promise<T | undefined> {
  if (!tracing()) return fn();
  const span = tracer.startSpan(SpanName.cacheLookup, { kind: SpanKind.INTERNAL, attributes: { [Attr.cache]: cache } });
  return fn().then(
    (found) => { span.setAttribute(Attr.cacheHit, found !== undefined); span.end(); return found; },
    (e: unknown) => { span.recordException(e as Error); span.end(); throw e; },
  );
}

/** The synchronous variant, for in-memory indexes. */
export function cacheLookupSync<T>(cache: string, fn: () => T | undefined): T | undefined {
  if (!tracing()) return fn();
  const span = tracer.startSpan(SpanName.cacheLookup, { kind: SpanKind.INTERNAL, attributes: { [Attr.cache]: cache } });
  try {
    const found = fn();
    span.setAttribute(Attr.cacheHit, found !== undefined);
    return found;
  } finally {
    span.end();
  }
}

/** Like withSpan, but only below a recording span (details of a request, never a trace of their own). */
export function childSpan<T>(name: string, attributes: Attributes, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!tracing()) return fn();
  return withSpan(name, attributes, fn);
}

/** Tag → digest resolution (tag cache, then a HEAD or GET upstream). */
export function tracedTagResolve<T>(tag: string, fn: () => Promise<T>): Promise<T> {
  return childSpan(SpanName.tagResolve, { [Attr.reference]: tag }, fn);
}
