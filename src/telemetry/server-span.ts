/**
 * Koa middleware: one SERVER span per request, child of the client's W3C `traceparent` when sent.
 * It runs outermost (before the access log and the error writer) and ends when the response is
 * finished or aborted, so streamed blobs are timed to their last byte. The request's trace
 * context is `ctx.state.trace` for the layers below (requestTrace).
 */
import type { Context, Middleware, Next } from 'koa';
import { SpanKind, SpanStatusCode, defaultTextMapGetter, trace, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Attr, ROUTE_TEMPLATES, Semconv, serverSpanName } from './attributes.js';
import { NO_TRACE, markClientTrace } from './trace-context.js';

const propagator = new W3CTraceContextPropagator();

/** `http.route` for a handler's route name; the metrics route is the configured path. */
function routeTemplate(route: string | undefined, metricsPath: string): string | undefined {
  if (!route) return undefined;
  if (route === 'metrics') return metricsPath;
  return ROUTE_TEMPLATES[route] ?? (route.startsWith('/') ? route : undefined);
}

/** `ctx.state.repository` is "<upstream>/<repository>" (upstream names hold no slash). */
function setRepository(span: Span, value: unknown): void {
  if (typeof value !== 'string') return;
  const i = value.indexOf('/');
  if (i <= 0) {
    span.setAttribute(Attr.repository, value);
    return;
  }
  span.setAttribute(Attr.upstream, value.slice(0, i));
  span.setAttribute(Attr.repository, value.slice(i + 1));
}

export function serverSpanMiddleware(tracer: Tracer, opts: { metricsPath: string }): Middleware {
  return async function serverSpan(ctx: Context, next: Next): Promise<void> {
    const parent = ctx.headers.traceparent === undefined ? NO_TRACE : propagator.extract(NO_TRACE, ctx.headers, defaultTextMapGetter);
    const span = tracer.startSpan(ctx.method, { kind: SpanKind.SERVER }, parent);
    const active = parent === NO_TRACE ? trace.setSpan(NO_TRACE, span) : markClientTrace(trace.setSpan(parent, span));
    // Not sampled: the context still carries the span, so children know not to record.
    ctx.state.trace = active;
    if (!span.isRecording()) return next();
    const req = ctx.req;
    span.setAttribute(Semconv.httpRequestMethod, req.method!);
    span.setAttribute(Semconv.urlPath, ctx.path.slice(0, 1024));
    span.setAttribute(Semconv.urlScheme, (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
    const address = req.socket.remoteAddress;
    if (address) span.setAttribute(Semconv.clientAddress, address);
    const ua = req.headers['user-agent'];
    if (ua) span.setAttribute(Semconv.userAgentOriginal, ua.slice(0, 256));
    let thrown: unknown;
    ctx.res.once('close', () => {
      const route = ctx.state.route as string | undefined;
      const template = routeTemplate(route, opts.metricsPath);
      const status = ctx.res.statusCode;
      const code = ctx.state.errorCode as string | undefined;
      span.updateName(serverSpanName(ctx.method, template));
      span.setAttribute(Semconv.httpResponseStatusCode, status);
      setRepository(span, ctx.state.repository);
      if (template) span.setAttribute(Semconv.httpRoute, template);
      else if (route) span.setAttribute(Attr.route, route);
      if (code) span.setAttribute(Attr.errorCode, code);
      if (!ctx.res.writableFinished) span.setAttribute(Attr.aborted, true);
      if (status >= 500 || thrown !== undefined) {
        span.setAttribute(Semconv.errorType, code ?? (thrown instanceof Error ? thrown.name : String(status)));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    try {
      await next();
    } catch (e) {
      thrown = e;
      if (e instanceof Error) span.recordException(e);
      throw e;
    }
  };
}
