/**
 * Build OCI images, indexes and artifacts in memory (no Docker): gzip'd tar
 * layers (tar-stream + zlib), image config, manifest with its exact bytes and
 * digest. Output is deterministic for the same input.
 *
 * Also re-exports the layer generator, OCI layout writer and push helpers so
 * tests can import everything image-related from one module.
 */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import {
  MediaType,
  blobFromBytes,
  descriptorOf,
  sha256Digest,
  type Blob,
  type Descriptor,
  type InMemoryBlob,
  type LayerBlob,
  type OciImage,
  type OciIndex,
  type Platform,
} from './ociTypes.js';

export * from './ociTypes.js';

export type FileSpec = string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string };

export interface LayerSpec {
  /** path (relative, no leading '/') → content. Parent directories are added automatically. */
  files: Record<string, FileSpec>;
}

export interface MakeImageOptions {
  layers: Array<LayerSpec | LayerBlob>;
  /** Merged over the generated config (e.g. `{config: {Env: [...]}}`); rootfs is always computed. */
  config?: Record<string, unknown>;
  /** Default linux/amd64. */
  platform?: Platform;
  annotations?: Record<string, string>;
  /** Makes the manifest a referrer of this manifest (OCI 1.1 `subject`). */
  subject?: Descriptor;
}

const EPOCH = new Date(0);

/** Builds an uncompressed tar (deterministic: sorted, uid/gid 0, mtime 0). */
export async function makeTar(files: Record<string, FileSpec>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const names = Object.keys(files).map((n) => n.replace(/^\/+/, ''));
  const dirs = new Set<string>();
  for (const name of names) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: Array<[string, FileSpec | null]> = [
    ...[...dirs].map((d): [string, null] => [d, null]),
    ...Object.entries(files).map(([n, s]): [string, FileSpec] => [n.replace(/^\/+/, ''), s]),
  ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: EPOCH };
  for (const [name, spec] of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (spec === null) {
        pack.entry({ ...common, name: `${name}/`, type: 'directory', mode: 0o755 }, done);
      } else if (typeof spec === 'object' && 'symlink' in spec) {
        pack.entry({ ...common, name, type: 'symlink', linkname: spec.symlink, mode: 0o777 }, done);
      } else {
        const content = typeof spec === 'string' || Buffer.isBuffer(spec) ? spec : spec.content;
        const mode = typeof spec === 'object' && !Buffer.isBuffer(spec) ? (spec.mode ?? 0o644) : 0o644;
        pack.entry({ ...common, name, type: 'file', mode }, Buffer.from(content), done);
      }
    });
  }
  pack.finalize();
  return collected;
}

/** A gzip'd tar layer blob from a file map. */
export async function makeLayer(files: Record<string, FileSpec>): Promise<LayerBlob & InMemoryBlob> {
  const tarBytes = await makeTar(files);
  const gz = gzipSync(tarBytes);
  return { ...blobFromBytes(MediaType.layerGzip, gz), diffId: sha256Digest(tarBytes) };
}

function isLayerBlob(layer: LayerSpec | LayerBlob): layer is LayerBlob {
  return typeof (layer as LayerBlob).digest === 'string';
}

function jsonBlob(mediaType: string, value: unknown): InMemoryBlob {
  return blobFromBytes(mediaType, Buffer.from(JSON.stringify(value)));
}

/** Builds a manifest around an existing config blob and layer blobs. */
export function makeManifest(options: {
  config: InMemoryBlob;
  configJson?: Record<string, unknown>;
  layers: Blob[];
  platform?: Platform;
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}): OciImage {
  const manifestJson: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: descriptorOf(options.config),
    layers: options.layers.map((l) => descriptorOf(l)),
    ...(options.subject ? { subject: options.subject } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const manifest = jsonBlob(MediaType.imageManifest, manifestJson);
  return {
    kind: 'image',
    manifest,
    manifestJson,
    config: options.config,
    configJson: options.configJson ?? JSON.parse(options.config.bytes.toString('utf8')),
    layers: options.layers,
    platform: options.platform,
    digest: manifest.digest,
    descriptor: descriptorOf(manifest, {
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    }),
  };
}

export async function makeImage(options: MakeImageOptions): Promise<OciImage> {
  const platform: Platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers: LayerBlob[] = [];
  for (const layer of options.layers) layers.push(isLayerBlob(layer) ? layer : await makeLayer(layer.files));
  const overrides = options.config ?? {};
  const configJson: Record<string, unknown> = {
    created: '1970-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    history: layers.map((_, i) => ({ created: '1970-01-01T00:00:00Z', created_by: `portcullis-test layer ${i}` })),
    ...overrides,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  };
  return makeManifest({
    config: jsonBlob(MediaType.imageConfig, configJson),
    configJson,
    layers,
    platform,
    annotations: options.annotations,
    subject: options.subject,
  });
}

/** A multi-platform OCI image index over `images` (each must have a platform). */
export function makeIndex(images: OciImage[], options: { annotations?: Record<string, string> } = {}): OciIndex {
  const indexJson: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaType.imageIndex,
    manifests: images.map((img) => img.descriptor),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const manifest = jsonBlob(MediaType.imageIndex, indexJson);
  return { kind: 'index', manifest, indexJson, images, digest: manifest.digest, descriptor: descriptorOf(manifest) };
}

/**
 * An OCI 1.1 artifact manifest (signature, attestation, SBOM, ...): empty config
 * `{}` unless given, `artifactType`, optional `subject` (makes it a referrer).
 */
export function makeArtifact(options: {
  artifactType: string;
  layers: Array<{ mediaType: string; bytes: Buffer | string; annotations?: Record<string, string> }>;
  subject?: Descriptor;
  annotations?: Record<string, string>;
  config?: { mediaType: string; bytes: Buffer | string };
}): OciImage {
  const config = options.config
    ? blobFromBytes(options.config.mediaType, Buffer.from(options.config.bytes))
    : blobFromBytes(MediaType.empty, Buffer.from('{}'));
  const layers = options.layers.map((l) => blobFromBytes(l.mediaType, Buffer.from(l.bytes)));
  const image = makeManifest({
    config,
    configJson: {},
    layers,
    subject: options.subject,
    annotations: options.annotations,
    artifactType: options.artifactType,
  });
  // Layer annotations belong in the manifest descriptors: rebuild with them.
  if (options.layers.some((l) => l.annotations)) {
    const manifestJson = {
      ...image.manifestJson,
      layers: layers.map((l, i) => descriptorOf(l, options.layers[i]!.annotations ? { annotations: options.layers[i]!.annotations } : {})),
    };
    const manifest = jsonBlob(MediaType.imageManifest, manifestJson);
    return { ...image, manifest, manifestJson, digest: manifest.digest, descriptor: descriptorOf(manifest, { artifactType: options.artifactType }) };
  }
  return image;
}

/** Every blob (config + layers) an image or index needs, deduplicated by digest. */
export function blobsOf(target: OciImage | OciIndex): Blob[] {
  const images = target.kind === 'index' ? target.images : [target];
  const byDigest = new Map<string, Blob>();
  for (const img of images) for (const b of [img.config, ...img.layers]) byDigest.set(b.digest, b);
  return [...byDigest.values()];
}

export { randomLayer, type RandomLayerOptions } from './randomLayer.js';
export { writeOciLayout, readOciLayoutIndex, findOciLayoutTag, readOciLayoutBlob } from './ociLayout.js';
export {
  pushImage,
  pushRaw,
  pushBlob,
  fetchManifest,
  RegistryClient,
  ALL_MANIFEST_TYPES,
  type RegistryCredentials,
} from './registryClient.js';
