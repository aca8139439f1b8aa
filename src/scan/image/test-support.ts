/**
 * Test helpers for the image reader: fixture paths, an in-memory BlobSource
 * that counts blob opens (a registry stand-in), layer and image builders,
 * and a cataloger that records every file.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { Cataloger } from '../catalogers/cataloger.js';
import { analyzeLayer } from './analyze-layer.js';
import { selectImage } from './analyze-image.js';
import { ImageFilesystem } from './image-filesystem.js';
import { ImageBudget, resolveLimits, type ImageLimits } from './limits.js';
import { MEDIA_TYPES } from './manifest.js';
import type { BlobSource, FetchedManifest, ImageSource, LayerAnalysis, Platform } from './types.js';

export function imageFixture(relativePath: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/images/${relativePath}`, import.meta.url));
}

/** Wants every regular file; one package per file: name = path, version = first line of the content. */
export const everyFileCataloger: Cataloger = {
  id: 'test-every-file',
  version: 1,
  wants: () => true,
  parse: (_path, bytes) => ({ packages: [{ name: _path, version: bytes.toString('utf8').split('\n')[0]?.trim() || '(empty)', kind: 'npm' }] }),
};

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export async function tarLayer(entries: TarEntrySpec[]): Promise<Buffer> {
  const packer = pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of packer) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = type === 'file' ? Buffer.from(entry.content ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = { name: entry.name, type, mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644), ...(entry.linkname ? { linkname: entry.linkname } : {}) };
      const callback = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) packer.entry({ ...header, size: content.length }, content, callback);
      else packer.entry(header, callback);
    });
  }
  packer.finalize();
  return done;
}

/** A registry stand-in: manifests by tag or digest, blobs by digest, every blob open recorded. */
export class MemoryBlobSource implements BlobSource {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, FetchedManifest>();
  readonly opened: string[] = [];

  addBlob(bytes: Buffer): string {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return digest;
  }

  addManifest(document: object, mediaType: string, tag?: string): string {
    const bytes = Buffer.from(JSON.stringify(document));
    const manifest = { bytes, mediaType, digest: sha256(bytes) };
    this.manifests.set(manifest.digest, manifest);
    if (tag) this.manifests.set(tag, manifest);
    return manifest.digest;
  }

  /** Adds an image (gzip layers unless told otherwise) and returns its manifest digest and layer digests. */
  addImage(layers: Buffer[], options: { tag?: string; platform?: Platform; compress?: boolean; stored?: Buffer[] } = {}): { digest: string; layers: string[] } {
    const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
    const stored = options.stored ?? layers.map((layer) => (options.compress === false ? layer : gzipSync(layer)));
    const config = this.addBlob(Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: layers.map(sha256) } })));
    const layerDigests = stored.map((blob) => this.addBlob(blob));
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config, size: 0 },
      layers: stored.map((blob, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigests[i], size: blob.length })),
    };
    return { digest: this.addManifest(manifest, MEDIA_TYPES.ociManifest, options.tag), layers: layerDigests };
  }

  async fetchManifest(ref: string): Promise<FetchedManifest> {
    const manifest = this.manifests.get(ref);
    if (!manifest) throw new Error(`manifest ${ref} not found`);
    return manifest;
  }

  async openBlob(digest: string): Promise<Readable> {
    const blob = this.blobs.get(digest);
    if (!blob) throw new Error(`blob ${digest} not found`);
    this.opened.push(digest);
    return Readable.from([blob]);
  }
}

/** Streams every layer of a source's image and merges them, for tests that inspect the filesystem. */
export async function filesystemOf(source: ImageSource, catalogers: readonly Cataloger[], overrides: Partial<ImageLimits> = {}): Promise<{ fs: ImageFilesystem; analyses: LayerAnalysis[] }> {
  const limits = resolveLimits(overrides);
  const image = await source.resolveImage(selectImage(await source.listImages()));
  const byDigest = new Map<string, LayerAnalysis>();
  const budget = new ImageBudget(limits);
  await source.streamLayers([...new Map(image.layers.map((l) => [l.digest, l])).values()], async (layer, stream) => {
    byDigest.set(layer.digest, await analyzeLayer(stream, { layer, catalogers, limits, budget }));
  });
  const analyses = image.layers.map((l) => byDigest.get(l.digest) as LayerAnalysis);
  return { fs: ImageFilesystem.fromLayers(analyses, limits.maxSymlinkHops), analyses };
}
