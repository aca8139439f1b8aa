/**
 * An OCI image layout folder (index.json + blobs/<alg>/<hex>) as a BlobSource.
 * Tags are the `org.opencontainers.image.ref.name` annotations of index.json.
 * Digests are validated before they become paths, so nothing outside
 * `blobs/` can be opened.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS } from './limits.js';
import { DIGEST, parseManifest, type Descriptor } from './manifest.js';
import { digestOf, FILE_READ_CHUNK, readAll } from './read-stream.js';
import type { BlobSource, FetchedManifest } from './types.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

function mediaTypeOf(bytes: Buffer, declared: string | undefined): string {
  if (declared && declared !== 'application/vnd.oci.descriptor.v1+json') return declared;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    if (typeof doc.mediaType === 'string') return doc.mediaType;
  } catch {
    // parseManifest reports it
  }
  return parseManifest(bytes).kind === 'index' ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json';
}

export class OciLayoutBlobSource implements BlobSource {
  constructor(
    readonly dir: string,
    private readonly maxManifestSize = DEFAULT_LIMITS.maxManifestSize,
  ) {}

  private async index(): Promise<Descriptor[]> {
    const layout = JSON.parse(await readFile(join(this.dir, 'oci-layout'), 'utf8')) as { imageLayoutVersion?: unknown };
    if (typeof layout.imageLayoutVersion !== 'string') throw new Error(`${this.dir}: oci-layout has no imageLayoutVersion`);
    const parsed = parseManifest(await readFile(join(this.dir, 'index.json')), 'application/vnd.oci.image.index.v1+json');
    return parsed.kind === 'index' ? parsed.manifests : [];
  }

  /** Tags named in index.json, in file order. */
  async tags(): Promise<string[]> {
    return (await this.index()).flatMap((d) => (d.annotations?.[REF_NAME] ? [d.annotations[REF_NAME]] : []));
  }

  private async descriptorFor(ref: string): Promise<Descriptor | undefined> {
    if (DIGEST.test(ref)) return undefined;
    const manifests = await this.index();
    if (ref === '') {
      if (manifests.length === 1) return manifests[0];
      throw new Error(`${this.dir}: index.json lists ${manifests.length} manifests; pick one with oci:DIR:TAG (tags: ${(await this.tags()).join(', ') || 'none'})`);
    }
    const found = manifests.find((d) => d.annotations?.[REF_NAME] === ref);
    if (!found) throw new Error(`${this.dir}: no manifest tagged "${ref}" (tags: ${(await this.tags()).join(', ') || 'none'})`);
    return found;
  }

  async fetchManifest(ref: string): Promise<FetchedManifest> {
    const descriptor = await this.descriptorFor(ref);
    const digest = descriptor?.digest ?? ref;
    const bytes = await readAll(await this.openBlob(digest), this.maxManifestSize, `manifest ${digest}`);
    if (digestOf(bytes, digest) !== digest) throw new Error(`${this.dir}: blob ${digest} does not match its digest`);
    return { bytes, digest, mediaType: mediaTypeOf(bytes, descriptor?.mediaType) };
  }

  async openBlob(digest: string): Promise<Readable> {
    if (!DIGEST.test(digest)) throw new Error(`invalid digest "${digest}"`);
    const [algorithm, hex] = digest.split(':') as [string, string];
    const path = join(this.dir, 'blobs', algorithm, hex);
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new Error(err.code === 'ENOENT' ? `${this.dir}: blob ${digest} is missing` : `${this.dir}: cannot open blob ${digest}: ${err.message}`);
    });
    return handle.createReadStream({ highWaterMark: FILE_READ_CHUNK });
  }
}
