/** OCI media types, descriptor/blob/image types and digest helpers shared by the harness. */
import { createHash } from 'node:crypto';

export const MediaType = {
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  empty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

/** A blob's content: in memory (`bytes`) or in a file (`path`, for big random layers). */
export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes?: Buffer;
  path?: string;
}

export interface InMemoryBlob extends Blob {
  bytes: Buffer;
}

export interface LayerBlob extends Blob {
  /** sha256 of the uncompressed tar (rootfs.diff_ids). */
  diffId: string;
}

export interface OciImage {
  kind: 'image';
  /** Manifest with exact bytes; `digest` is what a registry reports. */
  manifest: InMemoryBlob;
  manifestJson: Record<string, unknown>;
  config: InMemoryBlob;
  configJson: Record<string, unknown>;
  layers: Blob[];
  /** Undefined for artifacts. */
  platform?: Platform;
  /** Manifest digest (same as manifest.digest). */
  digest: string;
  /** Descriptor of the manifest, with platform, for indexes and `subject`. */
  descriptor: Descriptor;
}

export interface OciIndex {
  kind: 'index';
  manifest: InMemoryBlob;
  indexJson: Record<string, unknown>;
  images: OciImage[];
  digest: string;
  descriptor: Descriptor;
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function blobFromBytes(mediaType: string, bytes: Buffer): InMemoryBlob {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

export function descriptorOf(blob: Blob, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size, ...extra };
}
