/**
 * Builds the gateway from a validated config: upstream clients, caches, services, the HTTP app and server.
 * Used by `portcullis serve` and by tests (in-process, on a free port).
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'koa';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { UpstreamClient } from './upstream/client.js';
import { Router } from './upstream/routing.js';
import { Upstreams } from './registry/upstreams.js';
import { ManifestStore } from './storage/manifest-store.js';
import { BlobStore } from './storage/blob-store.js';
import { ManifestService } from './registry/manifest-service.js';
import { BlobService } from './registry/blob-service.js';
import { TagsService } from './registry/tags-service.js';
import { ReferrersService } from './registry/referrers-service.js';
import { openGate, type PullGate } from './registry/pull-gate.js';
import { v2Routes } from './registry/v2-routes.js';
import { healthRoutes, type ReadinessCheck } from './http/health-routes.js';
import type { RequestObserver } from './http/request-observer.js';
import { createHardenedServer, requestHardening } from './http/hardening.js';
import { createApp } from './app.js';

export interface CoreServices {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  router: Router;
  upstreams: Upstreams;
  manifestStore: ManifestStore;
  blobStore: BlobStore;
  manifests: ManifestService;
  blobs: BlobService;
  referrers: ReferrersService;
}

/** What later layers (the gate, auth, APIs, telemetry) plug into the server. */
export interface Extensions {
  gate?: PullGate;
  /** watch every request from outside the error writer, with its final status (tracing) */
  observers?: RequestObserver[];
  before?: Middleware[];
  routes?: Middleware[];
  readiness?: ReadinessCheck[];
  onClose?: () => Promise<void>;
}

export interface Gateway {
  url: string;
  server: http.Server;
  core: CoreServices;
  /** readiness goes false, new connections stop, in-flight requests drain (bounded), resources close */
  close(): Promise<void>;
}

export function viaToken(config: Config): string {
  const host = config.server.publicUrl ? new URL(config.server.publicUrl).host : os.hostname();
  return `${host} (portcullis)`;
}

export async function buildCore(config: Config, logger: Logger, metrics: Metrics): Promise<CoreServices> {
  const via = `1.1 ${viaToken(config)}`;
  const clients = new Map(Object.entries(config.upstreams).map(([name, cfg]) => [name, new UpstreamClient(name, cfg, { metrics, logger, via })]));
  const upstreams = new Upstreams(clients);
  const root = path.resolve(config.storage.path);
  const manifestStore = new ManifestStore(root);
  const blobStore = new BlobStore(root, config.storage.maxBlobCacheBytes, {
    onSize: (b) => metrics.blobCacheBytes.set(b),
    onEvict: () => metrics.blobCacheEvictions.inc(),
    onDetach: (digest) => {
      metrics.blobCacheFills.inc();
      logger.info('blob cache writes fell behind the clients: a second upstream fetch fills the cache', { digest });
    },
  });
  await blobStore.init();
  return {
    config, logger, metrics, upstreams, manifestStore, blobStore,
    router: new Router(config),
    manifests: new ManifestService(upstreams, manifestStore, { tagTtlMs: config.storage.tagTtl, maxManifestBytes: config.server.maxManifestBytes }, metrics, logger),
    blobs: new BlobService(upstreams, blobStore, metrics),
    referrers: new ReferrersService(upstreams),
  };
}

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(i + 1)) };
}

export async function startGateway(config: Config, opts: { logger?: Logger; metrics?: Metrics; core?: CoreServices; extend?: (core: CoreServices) => Promise<Extensions> } = {}): Promise<Gateway> {
  const logger = opts.logger ?? createLogger(config.logging.level);
  const metrics = opts.metrics ?? createMetrics({ defaultMetrics: true });
  const core = opts.core ?? await buildCore(config, logger, metrics);
  const ext = opts.extend ? await opts.extend(core) : {};
  let draining = false;
  const app = createApp({
    logger, metrics, viaToken: viaToken(config),
    observers: ext.observers,
    before: [requestHardening(), ...(ext.before ?? [])],
    routes: [
      healthRoutes({ metrics, metricsPath: config.telemetry.metricsPath, readiness: () => ext.readiness ?? [], draining: () => draining }),
      v2Routes({ ...core, tags: new TagsService(core.upstreams), gate: ext.gate ?? openGate }),
      ...(ext.routes ?? []),
    ],
  });
  const listener = await createHardenedServer(config.server, app.callback(), logger);
  const server = listener.server;
  const { host, port } = splitListen(config.server.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  const url = `${listener.scheme}://${shownHost}:${addr.port}`;
  logger.info('listening', { url, upstreams: Object.keys(config.upstreams) });

  let closing: Promise<void> | undefined;
  const close = () => closing ??= (async () => {
    draining = true; // /readyz answers 503 from now on
    const delay = config.server.shutdownDelay;
    if (delay > 0) {
      logger.info('draining: not ready, still accepting connections', { ms: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
    const closed = new Promise<void>((r) => server.close(() => r()));
    logger.info('stopped accepting connections; waiting for requests in flight', { timeoutMs: config.server.shutdownTimeout });
    // Keep-alive connections whose last response just finished are idle now: close them as they appear.
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const timer = setTimeout(() => {
      logger.warn('shutdown timeout: closing connections still in flight', { timeoutMs: config.server.shutdownTimeout });
      server.closeAllConnections();
    }, config.server.shutdownTimeout);
    await closed;
    clearInterval(idle);
    clearTimeout(timer);
    listener.stop();
    await ext.onClose?.();
    await core.upstreams.close();
    logger.info('stopped');
  })();
  return { url, server, core, close };
}
