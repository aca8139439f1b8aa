/**
 * Types of the image reader: where images come from (sources), what one layer
 * yields (LayerAnalysis, cacheable) and how analyses are cached.
 */
import type { Readable } from 'node:stream';
import type { CatalogerOutput } from '../catalogers/cataloger.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** A manifest as fetched: raw bytes (digest-checked), media type and digest. */
export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/**
 * Content-addressed access to one repository: what a registry client, an OCI
 * layout folder or a test fixture implements.
 */
export interface BlobSource {
  /** `ref` is a tag or a digest ('' = the source's default, e.g. the only image of an OCI layout) */
  fetchManifest(ref: string): Promise<FetchedManifest>;
  openBlob(digest: string): Promise<Readable>;
}

/** One layer of one image. */
export interface LayerRef {
  /** the manifest's layer digest (legacy docker archives: the diff id); cache key and Package.layer */
  digest: string;
  mediaType?: string;
  size?: number;
  /** digest the stored (possibly compressed) bytes must have, when known */
  storedDigest?: string;
  /** digest the uncompressed tar must have (image config rootfs.diff_ids), when known */
  diffId?: string;
}

/** One runnable image inside the reference (one platform of an index). */
export interface ImageEntry {
  digest: string;
  mediaType: string;
  platform?: Platform;
}

export interface ResolvedImage {
  /** manifest digest (docker archives: the config digest, i.e. the image id) */
  digest: string;
  platform?: Platform;
  layers: LayerRef[];
}

/** Anything an image can be read from. */
export interface ImageSource {
  readonly name: string;
  /** The images the reference names: one, or one per platform for an index. */
  listImages(): Promise<ImageEntry[]>;
  resolveImage(entry: ImageEntry): Promise<ResolvedImage>;
  /** Streams each given layer once, in an order the source chooses; `visit` must consume or destroy the stream. */
  streamLayers(layers: LayerRef[], visit: (layer: LayerRef, stream: Readable) => Promise<void>): Promise<void>;
}

/** What one layer contributes: cataloger outputs of the files they wanted, links and deletions. */
export interface LayerAnalysis {
  schema: 1;
  digest: string;
  /** sha256 of the uncompressed tar, computed while streaming */
  diffId: string;
  compression: 'gzip' | 'zstd' | 'none';
  /** path (no leading slash) → cataloger id → output; or why a wanted file was not read */
  files: Record<string, LayerFile>;
  /** path → link target as written in the tar (hard links as absolute paths) */
  symlinks: Record<string, string>;
  /** paths deleted from lower layers (`.wh.NAME`) */
  whiteouts: string[];
  /** directories whose lower-layer content is hidden (`.wh..wh..opq`) */
  opaqueDirs: string[];
  warnings: string[];
  entries: number;
  bytes: number;
}

export type LayerFile = { outputs: Record<string, CatalogerOutput> } | { skipped: string };

export interface LayerCache {
  get(key: string): Promise<LayerAnalysis | undefined>;
  set(key: string, value: LayerAnalysis): Promise<void>;
}
