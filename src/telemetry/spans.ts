/**
 * Spans around units of work, through the OpenTelemetry API (a no-op until the SDK is registered
 * by telemetry setup). Span and attribute names live in attributes.ts.
 */
import { trace, SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { PORTCULLIS_VERSION } from '../version.js';

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
