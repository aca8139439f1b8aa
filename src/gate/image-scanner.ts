/**
 * One scan of one image manifest through the gateway's own caches (CoreBlobSource): the layers
 * the scan reads are the blobs clients are then served from the cache, one upstream fetch each.
 * Layer analyses are cached on disk under storage.path, so a rescan after a database update only
 * re-matches packages. A scan that runs past its deadline is aborted (its blob streams destroyed).
 */
import type { Readable } from 'node:stream';
import { CoreBlobSource } from '../registry/core-blob-source.js';
import type { CoreServices } from '../gateway.js';
import { BlobImageSource, type BlobSource, type FetchedManifest, type ImageEntry, type ImageSource, type LayerCache, type LayerRef, type ResolvedImage } from '../scan/image/index.js';
import { scanImage } from '../scan/scanner.js';
import type { Report } from '../scan/types.js';
import { withSpan } from '../telemetry/spans.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import type { Route } from '../upstream/routing.js';
import type { VulnDbHolder } from './vulndb-holder.js';

export class ScanDeadlineError extends Error {
  override name = 'ScanDeadlineError';
}

/** A BlobSource whose reads stop when `signal` aborts. */
class AbortableBlobSource implements BlobSource {
  constructor(private readonly inner: BlobSource, private readonly signal: AbortSignal) {}

  async fetchManifest(ref: string): Promise<FetchedManifest> {
    this.signal.throwIfAborted();
    return this.inner.fetchManifest(ref);
  }

  async openBlob(digest: string): Promise<Readable> {
    this.signal.throwIfAborted();
    const stream = await this.inner.openBlob(digest);
    const abort = () => stream.destroy(this.signal.reason instanceof Error ? this.signal.reason : new Error('scan aborted'));
    if (this.signal.aborted) abort();
    else {
      this.signal.addEventListener('abort', abort, { once: true });
      stream.once('close', () => this.signal.removeEventListener('abort', abort));
    }
    return stream;
  }
}

/**
 * The image as the gateway serves it: every blob read through the core's BlobService is checked
 * against its digest before its last byte is released (a mismatch truncates the stream), so the
 * scanner need not hash the compressed layers a second time. The uncompressed diff id is still
 * computed and checked by the scanner.
 */
class CoreVerifiedImageSource implements ImageSource {
  constructor(private readonly inner: BlobImageSource) {}
  get name(): string { return this.inner.name; }
  listImages(): Promise<ImageEntry[]> { return this.inner.listImages(); }
  async resolveImage(entry: ImageEntry): Promise<ResolvedImage> {
    const image = await this.inner.resolveImage(entry);
    return { ...image, layers: image.layers.map(({ storedDigest: _verifiedByBlobService, ...layer }) => layer) };
  }
  streamLayers(layers: LayerRef[], visit: (layer: LayerRef, stream: Readable) => Promise<void>): Promise<void> {
    return this.inner.streamLayers(layers, visit);
  }
}

export interface ImageScannerDeps {
  core: CoreServices;
  vulndb: VulnDbHolder;
  layerCache: LayerCache;
  /** a scan running longer than this is aborted */
  deadlineMs: number;
}

export class ImageScanner {
  constructor(private readonly deps: ImageScannerDeps) {}

  /** Scans `digest` (an image manifest) of the route's repository; throws when it cannot. */
  async scan(route: Route, digest: string, trace: TraceContext, signal?: AbortSignal): Promise<Report> {
    const { metrics } = this.deps.core;
    const deadline = AbortSignal.timeout(this.deps.deadlineMs);
    const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const started = performance.now();
    return withSpan(trace, SpanName.scan, { [Attr.digest]: digest, [Attr.repository]: route.repository, [Attr.upstream]: route.upstream }, async (span, ctx) => {
      try {
        const current = this.deps.vulndb.current();
        if ('error' in current) throw new Error(current.error);
        const blobs = new AbortableBlobSource(new CoreBlobSource(route, this.deps.core.manifests, this.deps.core.blobs, ctx), stop);
        const source = new CoreVerifiedImageSource(new BlobImageSource(blobs, digest, { name: `${route.repository}@${digest}`, concurrency: 4 }));
        const report = await scanImage(source, { db: current.db, cache: this.deps.layerCache, manifestDigest: digest, target: `${route.repository}@${digest}` });
        metrics.scans.inc({ result: 'ok' });
        span.setAttribute(Attr.findings, report.vulnerabilities.length);
        return report;
      } catch (e) {
        if (deadline.aborted) {
          metrics.scans.inc({ result: 'timeout' });
          throw new ScanDeadlineError(`the scan of ${digest} was aborted after ${Math.round(this.deps.deadlineMs / 1000)}s`);
        }
        metrics.scans.inc({ result: 'error' });
        throw e;
      } finally {
        metrics.scanDuration.observe((performance.now() - started) / 1000);
      }
    });
  }
}
