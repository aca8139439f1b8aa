/**
 * One SERVER span per request, child of the client's W3C `traceparent` when sent: a request
 * observer, run by the access log outside the error writer. A buffered response (a manifest,
 * an error) ends the span when the middleware returns, as Koa is about to write it in one go; a
 * streamed one (a blob) ends it when the response is finished or aborted, timed to its last byte.
 * The request's trace context is `ctx.state.trace` for the layers below (requestTrace).
 */
import type { Context } from 'koa';
import { SpanKind, SpanStatusCode, defaultTextMapGetter, trace, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Attr, ROUTE_TEMPLATES, Semconv, serverSpanName } from './attributes.js';
import { NO_TRACE, markClientTrace, requestTrace } from './trace-context.js';
import type { RequestObserver } from '../http/request-observer.js';

const SERVER = { kind: SpanKind.SERVER };

const propagator = new W3CTraceContextPropagator();

/** `http.route` for a handler's route name; the metrics route is the configured path. */
function routeTemplate(route: string | undefined, metricsPath: string): string | undefined {
  if (!route) return undefined;
  if (route === 'metrics') return metricsPath;
  return ROUTE_TEMPLATES[route] ?? (route.startsWith('/') ? route : undefined);
}

/** The upstream and repository of a registry request (`ctx.state.upstreamRoute`, set by the /v2/ routes). */
function setRepository(span: Span, route: { upstream: string; repository: string } | undefined): void {
  if (!route) return;
  span.setAttribute(Attr.upstream, route.upstream);
  span.setAttribute(Attr.repository, route.repository);
}

/** "{method} {route}" names, made once each (a new string per request would be hashed again by the encoder's name table). */
const spanNames = new Map<string, Map<string | undefined, string>>();
function spanName(method: string, template: string | undefined): string {
  let byRoute = spanNames.get(method);
  if (!byRoute) {
    if (spanNames.size >= 64) return serverSpanName(method, template); // methods are few; never an unbounded table
    spanNames.set(method, (byRoute = new Map()));
  }
  let name = byRoute.get(template);
  if (name === undefined) byRoute.set(template, (name = serverSpanName(method, template)));
  return name;
}

/** A body Koa writes after the middleware returns, in one go (not a stream): the span can end with the middleware. */
function buffered(ctx: Context): boolean {
  if (ctx.respond === false) return false;
  const body: unknown = ctx.body;
  return body === null || body === undefined || typeof (body as { pipe?: unknown }).pipe !== 'function';
}

export function serverSpans(tracer: Tracer, opts: { metricsPath: string }): RequestObserver {
  /** Names the span by its route and records the outcome, then ends it. */
  const finish = (ctx: Context, span: Span, thrown: unknown, aborted: boolean): void => {
    const route = ctx.state.route as string | undefined;
    const template = routeTemplate(route, opts.metricsPath);
    const status = ctx.res.statusCode;
    const code = ctx.state.errorCode as string | undefined;
    span.updateName(spanName(ctx.method, template));
    span.setAttribute(Semconv.httpResponseStatusCode, status);
    setRepository(span, ctx.state.upstreamRoute);
    if (template) span.setAttribute(Semconv.httpRoute, template);
    else if (route) span.setAttribute(Attr.route, route);
    if (code) span.setAttribute(Attr.errorCode, code);
    if (aborted) span.setAttribute(Attr.aborted, true);
    if (status >= 500 || thrown !== undefined) {
      span.setAttribute(Semconv.errorType, code ?? (thrown instanceof Error ? thrown.name : String(status)));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };

  return {
    begin(ctx: Context): void {
      const parent = ctx.headers.traceparent === undefined ? NO_TRACE : propagator.extract(NO_TRACE, ctx.headers, defaultTextMapGetter);
      const span = tracer.startSpan(ctx.method, SERVER, parent);
      // Not sampled: the context still carries the span, so children know not to record.
      ctx.state.trace = parent === NO_TRACE ? trace.setSpan(NO_TRACE, span) : markClientTrace(trace.setSpan(parent, span));
      if (!span.isRecording()) return;
      const req = ctx.req;
      span.setAttribute(Semconv.httpRequestMethod, req.method!);
      span.setAttribute(Semconv.urlPath, ctx.path.length > 1024 ? ctx.path.slice(0, 1024) : ctx.path);
      span.setAttribute(Semconv.urlScheme, (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
      const address = req.socket.remoteAddress;
      if (address) span.setAttribute(Semconv.clientAddress, address);
      const ua = req.headers['user-agent'];
      if (ua) span.setAttribute(Semconv.userAgentOriginal, ua.length > 256 ? ua.slice(0, 256) : ua);
    },

    end(ctx: Context, thrown: unknown): void {
      const span = trace.getSpan(requestTrace(ctx.state));
      if (!span?.isRecording()) return;
      if (thrown !== undefined) {
        // past the error writer: Koa writes its own 500 after this, so the span waits for it
        if (thrown instanceof Error) span.recordException(thrown);
        ctx.res.once('close', () => finish(ctx, span, thrown, !ctx.res.writableFinished));
      } else if (buffered(ctx) || ctx.res.writableFinished) {
        // Koa writes a buffered body right after this returns
        finish(ctx, span, undefined, false);
      } else {
        // a stream (a blob) is timed to its last byte
        ctx.res.once('close', () => finish(ctx, span, undefined, !ctx.res.writableFinished));
      }
    },
  };
}
