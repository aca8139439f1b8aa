/**
 * Blobs through the cache, like distribution's proxyblobstore: a cached blob is served from disk;
 * otherwise one upstream GET per digest feeds the cache and every client asking meanwhile
 * (redirects to S3/CDN are followed on the server side). HEAD of an uncached blob is a HEAD upstream.
 */
import type { Readable } from 'node:stream';
import { RegistryError } from '../errors.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import { header } from '../upstream/client.js';
import type { Route } from '../upstream/routing.js';
import { parseRange, type ByteRange } from './range.js';
import { cacheLookupSync } from '../telemetry/spans.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { fromUpstreamError, fromUpstreamResponse } from './upstream-errors.js';
import type { Upstreams } from './upstreams.js';

export interface BlobAnswer {
  status: 200 | 206;
  /** total size of the blob, when known */
  size?: number;
  range?: ByteRange;
  /** undefined for HEAD, and for an answer asked for with `mode: 'send'` */
  body?: Readable;
  /**
   * In `mode: 'send'`: sends the bytes through `write` (which resolves once a chunk is handed over)
   * reusing two buffers, instead of a stream allocating one per chunk. Resolves with the bytes sent.
   */
  send?: (write: (chunk: Buffer) => Promise<void>) => Promise<number>;
  source: 'cache' | 'inflight' | 'upstream';
}

export class BlobService {
  constructor(private readonly upstreams: Upstreams, private readonly store: BlobStore, private readonly metrics: Metrics) {}

  async head(route: Route, digest: string, trace: TraceContext): Promise<BlobAnswer> {
    const size = this.store.size(digest);
    if (size !== undefined) return { status: 200, size, source: 'cache' };
    const running = this.store.inflightSize(digest);
    if (running) return { status: 200, size: (await running).size, source: 'inflight' };
    const client = this.upstreams.get(route.upstream);
    const res = await client.request('blob', `/v2/${route.repository}/blobs/${digest}`, { method: 'HEAD', repository: route.repository, trace }).catch((e) => { throw fromUpstreamError(e); });
    await res.body.dump().catch(() => {});
    if (res.status !== 200) throw await fromUpstreamResponse(route.upstream, res, `blob ${digest} in ${route.repository}`, 'BLOB_UNKNOWN');
    const len = Number(header(res.headers, 'content-length'));
    return { status: 200, size: Number.isFinite(len) ? len : undefined, source: 'upstream' };
  }

  /** `mode: 'send'` (the HTTP route): the answer comes with `send` instead of `body`. */
  async get(route: Route, digest: string, rangeHeader: string | undefined, trace: TraceContext, mode: 'stream' | 'send' = 'stream'): Promise<BlobAnswer> {
    const size = cacheLookupSync(trace, 'blob', () => this.store.size(digest));
    if (size !== undefined) {
      const range = parseRange(rangeHeader, size);
      const start = range?.start ?? 0;
      const status = range ? 206 : 200;
      if (mode === 'send') {
        this.metrics.cacheHits.inc({ cache: 'blob' });
        const send = (write: (chunk: Buffer) => Promise<void>) =>
          this.store.pump(digest, start, range?.end ?? size - 1, write) ?? Promise.reject(new Error(`blob ${digest} was evicted from the cache while being served`));
        return { status, size, range, send, source: 'cache' };
      }
      const body = this.store.open(digest, start, range?.end);
      if (body) {
        this.metrics.cacheHits.inc({ cache: 'blob' });
        return { status, size, range, body, source: 'cache' };
      }
    }
    this.metrics.cacheMisses.inc({ cache: 'blob' });
    const { download, ready, started } = this.store.acquire(digest, async () => {
      const client = this.upstreams.get(route.upstream);
      const res = await client.request('blob', `/v2/${route.repository}/blobs/${digest}`, { repository: route.repository, trace }).catch((e) => { throw fromUpstreamError(e); });
      if (res.status !== 200) throw await fromUpstreamResponse(route.upstream, res, `blob ${digest} in ${route.repository}`, 'BLOB_UNKNOWN');
      const len = Number(header(res.headers, 'content-length'));
      const kind = { upstream: route.upstream, kind: 'blob' };
      const metrics = this.metrics;
      async function* counted(): AsyncIterable<Uint8Array> {
        for await (const c of res.body) { metrics.upstreamBytes.inc(kind, (c as Buffer).length); yield c as Uint8Array; }
      }
      return { size: Number.isFinite(len) ? len : undefined, body: counted() };
    });
    if (!started) this.metrics.inflightJoins.inc();
    const { size: total } = await ready;
    const range = total !== undefined ? parseRange(rangeHeader, total) : undefined;
    const start = range?.start ?? 0;
    return {
      status: range ? 206 : 200,
      size: total,
      range,
      ...(mode === 'send'
        ? { send: (write: (chunk: Buffer) => Promise<void>) => download.send(start, range?.end, write) }
        : { body: download.reader(start, range?.end) }),
      source: started ? 'upstream' : 'inflight',
    };
  }
}

export function blobUnknown(digest: string): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', `blob ${digest} unknown`);
}
