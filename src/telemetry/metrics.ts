/**
 * Every Prometheus metric the gateway exports, named once here (contract names first).
 * One registry per gateway instance so tests can run several in one process.
 * Conventions: `portcullis_` prefix, base units in the name (`_seconds`, `_bytes`), counters end in
 * `_total`, gauges do not. Process and Node.js runtime metrics keep their standard names
 * (`process_*`, `nodejs_*`) so stock dashboards work.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PORTCULLIS_VERSION } from '../version.js';

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const r = [registry];
  /** read at scrape time; set by telemetry wiring once the stores exist */
  const sources: { memoryCaches?: () => { manifests: number; manifestBytes: number; tags: number } } = {};
  const metrics = {
    registry,
    sources,
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
    memoryCacheEntries: new Gauge({
      name: 'portcullis_memory_cache_entries', help: 'Entries in the in-memory manifest and tag caches', labelNames: ['cache'], registers: r,
      collect() {
        const s = sources.memoryCaches?.();
        if (s) { this.set({ cache: 'manifest' }, s.manifests); this.set({ cache: 'tag' }, s.tags); }
      },
    }),
    memoryCacheBytes: new Gauge({
      name: 'portcullis_memory_cache_bytes', help: 'Bytes of manifests held in memory', registers: r,
      collect() {
        const s = sources.memoryCaches?.();
        if (s) this.set(s.manifestBytes);
      },
    }),
    blobCacheEvictions: new Counter({ name: 'portcullis_blob_cache_evictions_total', help: 'Blobs evicted from the cache', registers: r }),
    blobCacheFills: new Counter({ name: 'portcullis_blob_cache_fills_total', help: 'Downloads whose clients outran the disk, cached by a second upstream fetch', registers: r }),
    digestMismatches: new Counter({ name: 'portcullis_digest_mismatches_total', help: 'Upstream content whose digest did not match', labelNames: ['kind'], registers: r }),
    inflightJoins: new Counter({ name: 'portcullis_inflight_joins_total', help: 'Requests that joined a download already in flight', registers: r }),
    scans: new Counter({ name: 'portcullis_scans_total', help: 'Image scans run (not cache hits)', labelNames: ['result'], registers: r }),
    scanDuration: new Histogram({ name: 'portcullis_scan_duration_seconds', help: 'Scan time', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: r }),
    scanQueueDepth: new Gauge({ name: 'portcullis_scan_queue_depth', help: 'Scans waiting', registers: r }),
    verdicts: new Counter({ name: 'portcullis_verdicts_total', help: 'Verdicts decided (not cache hits)', labelNames: ['decision', 'mode'], registers: r }),
    newlyDenied: new Counter({ name: 'portcullis_rescan_newly_denied_total', help: 'Digests denied by a rescan after being allowed', registers: r }),
    vulndbRecords: new Gauge({ name: 'portcullis_vulndb_records', help: 'Records loaded', registers: r }),
    vulndbAge: new Gauge({ name: 'portcullis_vulndb_age_seconds', help: 'Age of the loaded vulnerability database', registers: r }),
    pullDenials: new Counter({ name: 'portcullis_pull_denials_total', help: 'Pulls refused by the gate (policy or onError: deny), by upstream', labelNames: ['upstream'], registers: r }),
    webhookDeliveries: new Counter({ name: 'portcullis_webhook_deliveries_total', help: 'Webhook events by outcome: delivered, failed (gave up after retries), dropped (queue full or shutdown)', labelNames: ['event', 'result'], registers: r }),
    webhookAttempts: new Counter({ name: 'portcullis_webhook_attempts_total', help: 'Webhook POSTs sent, by answer (HTTP status or error)', labelNames: ['event', 'status'], registers: r }),
    webhookQueueDepth: new Gauge({ name: 'portcullis_webhook_queue_depth', help: 'Webhook deliveries waiting or retrying', registers: r }),
    buildInfo: new Gauge({ name: 'portcullis_build_info', help: 'Always 1; the labels tell the running version', labelNames: ['version'], registers: r }),
    authDecisions: new Counter({ name: 'portcullis_auth_decisions_total', help: 'Access decisions', labelNames: ['result'], registers: r }),
  };
  metrics.buildInfo.set({ version: PORTCULLIS_VERSION }, 1);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
