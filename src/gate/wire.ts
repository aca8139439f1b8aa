/**
 * The gate's composition root: builds the verdict store, the vulnerability database, the scan
 * queue, the decider, the pull gate, the rescanner and the API from `core.config`, and hands them
 * to the gateway as one extension. Listed in src/main.ts EXTENSIONS.
 */
import path from 'node:path';
import type { CoreServices, Extensions } from '../gateway.js';
import { apiRoutes } from '../api/api-routes.js';
import { FileLayerCache } from '../scan/image/index.js';
import { openVerdictBackend, VerdictStore } from '../verdicts/index.js';
import { BlobGate } from './blob-gate.js';
import { Decider } from './decider.js';
import { GateEvents } from './gate-events.js';
import { ImageScanner } from './image-scanner.js';
import { PolicyGate } from './policy-gate.js';
import { PullRecorder } from './pull-recorder.js';
import { ReportProvider } from './report-provider.js';
import { RequestOrigin } from './request-origin.js';
import { Rescanner } from './rescanner.js';
import { refusalStatusLine } from './refusal-status-line.js';
import { ScanQueue } from './scan-queue.js';
import { SignatureChecker, signatureTrustHash } from './signature-check.js';
import { VulnDbHolder } from './vulndb-holder.js';

export interface GateExtension extends Extensions {
  /** pull.denied, image.newly_denied, scan.failed, verdict, rescan.finished */
  events: GateEvents;
  decider: Decider;
  vulndb: VulnDbHolder;
  queue: ScanQueue;
  store: VerdictStore;
  rescanner: Rescanner;
  recorder: PullRecorder;
}

const eventsByCore = new WeakMap<CoreServices, GateEvents>();

/**
 * The gate's event emitter for a gateway (for webhooks and audit): available to extension
 * factories listed after the gate in EXTENSIONS, e.g. `(core) => gateEventsExtension(core, gateEventsFor(core)!)`.
 */
export function gateEventsFor(core: CoreServices): GateEvents | undefined {
  return eventsByCore.get(core);
}

export interface GateOptions {
  /** how often the database file is checked for a replacement (default 2 s) */
  vulndbCheckIntervalMs?: number;
}

function defaultBase(listen: string): string {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i);
  return `http://${host === '' || host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${listen.slice(i + 1)}`;
}

export async function createGate(core: CoreServices, options: GateOptions = {}): Promise<GateExtension> {
  const { config, logger, metrics } = core;
  const log = logger.child({ component: 'gate' });
  const scanTimeoutMs = config.policy.scanTimeout;
  const deadlineMs = Math.max(10 * scanTimeoutMs, 10 * 60_000);
  const retryAfterSeconds = Math.max(5, Math.min(60, Math.ceil(scanTimeoutMs / 2000)));

  const store = new VerdictStore(await openVerdictBackend(config.cache.verdicts, log));
  const vulndb = new VulnDbHolder({
    path: config.vulndb.path, sources: config.vulndb.sources, updateIntervalMs: config.vulndb.updateInterval,
    ...(options.vulndbCheckIntervalMs ? { checkIntervalMs: options.vulndbCheckIntervalMs } : {}),
  }, log, metrics);
  const queue = new ScanQueue(config.policy.scanConcurrency, metrics);
  const scanner = new ImageScanner({ core, vulndb, layerCache: new FileLayerCache(path.join(config.storage.path, 'layer-analysis')), deadlineMs });
  const reports = new ReportProvider(store, vulndb, scanner, queue, deadlineMs);
  const origin = new RequestOrigin(config.server.publicUrl, defaultBase(config.server.listen));
  const reportUrl = (digest: string) => origin.reportUrl(digest);
  const events = new GateEvents();
  eventsByCore.set(core, events);
  const decider = new Decider({
    policy: config.policy, logger: log, metrics, store, vulndb, reports, events, reportUrl,
    signatures: new SignatureChecker(config.signatures, core, log),
    trustHash: signatureTrustHash(config.signatures),
  });
  const recorder = new PullRecorder(store, log);
  const blobs = new BlobGate(store, decider, log, reportUrl, retryAfterSeconds);
  const gate = new PolicyGate({ decider, blobs, store, recorder, events, logger: log, scanTimeoutMs, retryAfterSeconds, reportUrl });
  const rescanner = new Rescanner(core, store, decider, recorder, events, log);
  vulndb.on('changed', (version) => void rescanner.trigger(version));
  if ('error' in vulndb.current() && config.vulndb.sources.length > 0) void vulndb.update();

  const upstreamHosts = Object.fromEntries(Object.entries(config.upstreams).map(([name, u]) => [name, u.registries[0] ?? new URL(u.url).host]));
  return {
    gate,
    before: [refusalStatusLine(origin)],
    routes: [apiRoutes({ store, decider, vulndb, queue, origin, upstreamHosts })],
    readiness: [
      { name: 'vulndb', check: async () => { const c = vulndb.current(); return 'error' in c ? c.error : undefined; } },
      { name: 'verdictStore', check: async () => { try { await store.ping(); return undefined; } catch (e) { return (e as Error).message; } } },
    ],
    onClose: async () => {
      rescanner.stop();
      await vulndb.close();
      await queue.close();
      await recorder.close();
      await store.close();
    },
    events, decider, vulndb, queue, store, rescanner, recorder,
  };
}

/** The ExtensionFactory for src/main.ts. */
export const gateExtension = (core: CoreServices): Promise<Extensions> => createGate(core);
