/**
 * A minimal OTLP/HTTP trace receiver on loopback (binary protobuf, what the gateway sends; gzip
 * accepted): it decodes every span that arrives and lets a test wait for a trace.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { decodeTraceExportRequest } from './otlpProto.js';

export interface ReceivedSpan {
  traceId: string; spanId: string; parentSpanId: string; name: string; kind: number;
  attributes: Record<string, unknown>; resource: Record<string, unknown>;
}

function flattenAttributes(list: Array<{ key: string; value: Record<string, unknown> }> = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list) {
    out[key] = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
  }
  return out;
}

/** A minimal OTLP/HTTP trace receiver (binary protobuf, what the gateway sends). */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  const contentTypes = new Set<string>();
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body = Buffer.concat(parts);
      if (req.method !== 'POST' || req.url !== '/v1/traces') { res.writeHead(404).end(); return; }
      contentTypes.add(String(req.headers['content-type']));
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.headers['content-type'] !== 'application/x-protobuf') { res.writeHead(415).end(); return; }
      const doc = decodeTraceExportRequest(body);
      for (const rs of doc.resourceSpans ?? []) {
        const resource = flattenAttributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, attributes: flattenAttributes(s.attributes), resource });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(); // an empty ExportTraceServiceResponse
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Resolves once a span matching `pred` has arrived (and then with every span of its trace). */
  const waitForSpan = (pred: (s: ReceivedSpan) => boolean, settle: (trace: ReceivedSpan[]) => boolean, timeoutMs = 10_000) =>
    new Promise<ReceivedSpan[]>((resolve, reject) => {
      const check = () => {
        const hit = spans.find(pred);
        if (!hit) return;
        const trace = spans.filter((s) => s.traceId === hit.traceId);
        if (!settle(trace)) return;
        clearTimeout(timer); waiters.delete(check); resolve(trace);
      };
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no matching span within ${timeoutMs} ms; got ${spans.map((s) => s.name).join(', ')}`)); }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { url, spans, contentTypes, waitForSpan, stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
