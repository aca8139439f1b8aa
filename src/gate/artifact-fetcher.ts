/**
 * The signature verifier's registry access (ArtifactFetcher) over the gateway core: manifests
 * through the ManifestService (digest-checked, cached), blobs through the BlobService (one
 * upstream fetch, verified) and re-hashed here, referrers through the ReferrersService (OCI 1.1
 * API, else the referrers tag schema).
 */
import { createHash } from 'node:crypto';
import type { CoreServices } from '../gateway.js';
import { isRegistryError } from '../errors.js';
import { parseReference } from '../registry/reference.js';
import type { ArtifactFetcher, FetchedManifest, OciIndex } from '../signatures/index.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Route } from '../upstream/routing.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export class CoreArtifactFetcher implements ArtifactFetcher {
  constructor(private readonly core: Pick<CoreServices, 'manifests' | 'blobs' | 'referrers'>, private readonly upstream: string, private readonly trace: TraceContext) {}

  private route(repo: string): Route {
    return { upstream: this.upstream, repository: repo, prefix: '' };
  }

  async getManifest(repo: string, ref: string, accept: string[]): Promise<FetchedManifest | null> {
    try {
      const m = await this.core.manifests.get(this.route(repo), parseReference(ref), accept.join(', '), this.trace);
      return { bytes: m.bytes, mediaType: m.mediaType, digest: m.digest };
    } catch (e) {
      if (isRegistryError(e) && e.status === 404) return null;
      throw e;
    }
  }

  async getBlob(repo: string, digest: string, maxBytes: number): Promise<Buffer> {
    const answer = await this.core.blobs.get(this.route(repo), digest, undefined, this.trace);
    if (answer.size !== undefined && answer.size > maxBytes) {
      answer.body?.destroy();
      throw new Error(`blob ${digest} is ${answer.size} bytes (limit ${maxBytes})`);
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of answer.body!) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        answer.body!.destroy();
        throw new Error(`blob ${digest} exceeds ${maxBytes} bytes`);
      }
      parts.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(parts);
    const [algorithm, hex] = digest.split(':');
    if (algorithm !== 'sha256' || createHash('sha256').update(bytes).digest('hex') !== hex) throw new Error(`blob ${digest}: content does not match its digest`);
    return bytes;
  }

  async getReferrers(repo: string, digest: string, artifactType?: string): Promise<OciIndex | null> {
    const answer = await this.core.referrers.list(this.route(repo), digest, artifactType, this.trace);
    return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: answer.manifests };
  }
}
