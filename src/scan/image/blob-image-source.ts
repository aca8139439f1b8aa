/**
 * An ImageSource over any BlobSource (registry client, OCI layout folder,
 * test fixture): resolves indexes (nested too) to their platform images,
 * reads configs, and streams layers a few at a time. Every manifest and
 * config is digest-checked; layers are checked while they are analysed.
 */
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS } from './limits.js';
import { isRunnableImage, parseImageConfig, parseManifest, type Descriptor } from './manifest.js';
import { assertDigest, readAll } from './read-stream.js';
import type { BlobSource, FetchedManifest, ImageEntry, ImageSource, LayerRef, ResolvedImage } from './types.js';

export interface BlobImageSourceOptions {
  name?: string;
  /** layers streamed at the same time (default 3) */
  concurrency?: number;
  maxManifestSize?: number;
  maxIndexDepth?: number;
}

export class BlobImageSource implements ImageSource {
  readonly name: string;
  private readonly concurrency: number;
  private readonly maxManifestSize: number;
  private readonly maxIndexDepth: number;

  constructor(
    private readonly blobs: BlobSource,
    private readonly ref: string,
    options: BlobImageSourceOptions = {},
  ) {
    this.name = options.name ?? ref;
    this.concurrency = Math.max(1, options.concurrency ?? 3);
    this.maxManifestSize = options.maxManifestSize ?? DEFAULT_LIMITS.maxManifestSize;
    this.maxIndexDepth = options.maxIndexDepth ?? DEFAULT_LIMITS.maxIndexDepth;
  }

  private async fetch(ref: string): Promise<FetchedManifest> {
    const manifest = await this.blobs.fetchManifest(ref);
    if (manifest.bytes.length > this.maxManifestSize) throw new Error(`manifest ${ref} is larger than ${this.maxManifestSize} bytes`);
    assertDigest(manifest.bytes, manifest.digest, `manifest ${ref || this.name}`);
    if (ref.includes(':') && ref !== manifest.digest) throw new Error(`manifest ${ref}: source returned ${manifest.digest}`);
    return manifest;
  }

  async listImages(): Promise<ImageEntry[]> {
    const top = await this.fetch(this.ref);
    const parsed = parseManifest(top.bytes, top.mediaType);
    if (parsed.kind === 'image') return [{ digest: top.digest, mediaType: top.mediaType }];
    const images: ImageEntry[] = [];
    await this.collect(parsed.manifests, 1, new Set([top.digest]), images);
    if (images.length === 0) throw new Error(`index ${top.digest} names no runnable image`);
    return images;
  }

  private async collect(descriptors: Descriptor[], depth: number, seen: Set<string>, out: ImageEntry[]): Promise<void> {
    for (const descriptor of descriptors) {
      if (seen.has(descriptor.digest)) continue;
      seen.add(descriptor.digest);
      if (isRunnableImage(descriptor)) {
        out.push({ digest: descriptor.digest, mediaType: descriptor.mediaType ?? '', ...(descriptor.platform ? { platform: descriptor.platform } : {}) });
        continue;
      }
      if (descriptor.mediaType && !descriptor.mediaType.includes('index') && !descriptor.mediaType.includes('manifest.list')) continue;
      if (depth >= this.maxIndexDepth) throw new Error(`indexes nested deeper than ${this.maxIndexDepth} (maxIndexDepth)`);
      const child = await this.fetch(descriptor.digest);
      const parsed = parseManifest(child.bytes, child.mediaType);
      if (parsed.kind === 'index') await this.collect(parsed.manifests, depth + 1, seen, out);
    }
  }

  async resolveImage(entry: ImageEntry): Promise<ResolvedImage> {
    const fetched = await this.fetch(entry.digest);
    const parsed = parseManifest(fetched.bytes, fetched.mediaType || entry.mediaType);
    if (parsed.kind !== 'image') throw new Error(`${entry.digest} is an index, not an image manifest`);
    const configBytes = await readAll(await this.blobs.openBlob(parsed.config.digest), this.maxManifestSize, `config ${parsed.config.digest}`);
    assertDigest(configBytes, parsed.config.digest, 'image config');
    const config = parseImageConfig(configBytes);
    const diffIds = config.diffIds?.length === parsed.layers.length ? config.diffIds : undefined;
    const layers: LayerRef[] = parsed.layers.map((layer, i) => ({
      digest: layer.digest,
      storedDigest: layer.digest,
      ...(layer.mediaType ? { mediaType: layer.mediaType } : {}),
      ...(layer.size !== undefined ? { size: layer.size } : {}),
      ...(diffIds?.[i] ? { diffId: diffIds[i] } : {}),
    }));
    const platform = config.platform ?? entry.platform;
    return { digest: fetched.digest, ...(platform ? { platform } : {}), layers };
  }

  async streamLayers(layers: LayerRef[], visit: (layer: LayerRef, stream: Readable) => Promise<void>): Promise<void> {
    const queue = [...layers];
    let failure: unknown;
    const worker = async () => {
      for (let layer = queue.shift(); layer && failure === undefined; layer = queue.shift()) {
        try {
          await visit(layer, await this.blobs.openBlob(layer.digest));
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, layers.length) }, worker));
    if (failure !== undefined) throw failure;
  }
}
