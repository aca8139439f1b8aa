/**
 * The scanner's view of one repository through the gateway's own caches: manifests and blobs come
 * from the same ManifestService/BlobService clients use, so a scan and concurrent pulls share one
 * upstream fetch per digest, and what was scanned is exactly what is served.
 */
import type { Readable } from 'node:stream';
import type { BlobSource, FetchedManifest } from '../scan/image/index.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Route } from '../upstream/routing.js';
import type { BlobService } from './blob-service.js';
import type { ManifestService } from './manifest-service.js';
import { ALL_MANIFEST_TYPES } from './media-types.js';
import { parseReference } from './reference.js';

export class CoreBlobSource implements BlobSource {
  constructor(private readonly route: Route, private readonly manifests: ManifestService, private readonly blobs: BlobService, private readonly trace: TraceContext) {}

  async fetchManifest(ref: string): Promise<FetchedManifest> {
    const m = await this.manifests.get(this.route, parseReference(ref), ALL_MANIFEST_TYPES, this.trace);
    return { bytes: m.bytes, mediaType: m.mediaType, digest: m.digest };
  }

  async openBlob(digest: string): Promise<Readable> {
    const a = await this.blobs.get(this.route, digest, undefined, this.trace);
    return a.body!;
  }
}
