/**
 * Every Prometheus metric the gateway exports, named once here (contract names first).
 * One registry per gateway instance so tests can run several in one process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'portcullis_process_' });
  const r = [registry];
  return {
    registry,
    httpRequests: new Counter({ name: 'portcullis_http_requests_total', help: 'Requests answered', labelNames: ['route', 'method', 'status'], registers: r }),
    httpDuration: new Histogram({ name: 'portcullis_http_request_duration_seconds', help: 'Time to answer a request (headers sent)', labelNames: ['route', 'method'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120], registers: r }),
    bytesServed: new Counter({ name: 'portcullis_served_bytes_total', help: 'Body bytes sent to clients', labelNames: ['kind'], registers: r }),
    upstreamRequests: new Counter({ name: 'portcullis_upstream_requests_total', help: 'Requests sent upstream', labelNames: ['upstream', 'kind', 'status'], registers: r }),
    upstreamDuration: new Histogram({ name: 'portcullis_upstream_request_duration_seconds', help: 'Upstream response time (headers)', labelNames: ['upstream', 'kind'], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: r }),
    upstreamBytes: new Counter({ name: 'portcullis_upstream_bytes_total', help: 'Body bytes received from upstreams', labelNames: ['upstream', 'kind'], registers: r }),
    breakerOpen: new Gauge({ name: 'portcullis_upstream_circuit_open', help: '1 while the upstream circuit breaker is open', labelNames: ['upstream'], registers: r }),
    cacheHits: new Counter({ name: 'portcullis_cache_hits_total', help: 'Cache lookups that hit', labelNames: ['cache'], registers: r }),
    cacheMisses: new Counter({ name: 'portcullis_cache_misses_total', help: 'Cache lookups that missed', labelNames: ['cache'], registers: r }),
    staleServed: new Counter({ name: 'portcullis_stale_served_total', help: 'Cached content served because the upstream failed', labelNames: ['kind'], registers: r }),
    blobCacheBytes: new Gauge({ name: 'portcullis_blob_cache_bytes', help: 'Bytes held in the blob cache', registers: r }),
    blobCacheEvictions: new Counter({ name: 'portcullis_blob_cache_evictions_total', help: 'Blobs evicted from the cache', registers: r }),
    digestMismatches: new Counter({ name: 'portcullis_digest_mismatch_total', help: 'Upstream content whose digest did not match', labelNames: ['kind'], registers: r }),
    inflightJoins: new Counter({ name: 'portcullis_inflight_joins_total', help: 'Requests that joined a download already in flight', registers: r }),
    scans: new Counter({ name: 'portcullis_scans_total', help: 'Image scans run (not cache hits)', labelNames: ['result'], registers: r }),
    scanDuration: new Histogram({ name: 'portcullis_scan_duration_seconds', help: 'Scan time', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: r }),
    scanQueueDepth: new Gauge({ name: 'portcullis_scan_queue_depth', help: 'Scans waiting', registers: r }),
    verdicts: new Counter({ name: 'portcullis_verdicts_total', help: 'Verdicts decided (not cache hits)', labelNames: ['decision', 'mode'], registers: r }),
    newlyDenied: new Counter({ name: 'portcullis_rescan_newly_denied_total', help: 'Digests denied by a rescan after being allowed', registers: r }),
    vulndbRecords: new Gauge({ name: 'portcullis_vulndb_records', help: 'Records loaded', registers: r }),
    vulndbAge: new Gauge({ name: 'portcullis_vulndb_age_seconds', help: 'Age of the loaded vulnerability database', registers: r }),
    authDecisions: new Counter({ name: 'portcullis_auth_decisions_total', help: 'Access decisions', labelNames: ['result'], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
