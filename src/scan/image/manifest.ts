/**
 * OCI / Docker manifests, indexes and image configs: parsing (zod),
 * media types and platform matching.
 */
import { z } from 'zod';
import type { Platform } from './types.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const CONFIG_TYPES = new Set<string>([MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig]);

export const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

const platformSchema = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() });

const descriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest: z.string().regex(DIGEST),
  size: z.number().int().nonnegative().optional(),
  platform: platformSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

const documentSchema = z.object({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema).optional(),
  config: descriptorSchema.optional(),
  layers: z.array(descriptorSchema).optional(),
  fsLayers: z.unknown().optional(),
});

export type ParsedManifest =
  | { kind: 'index'; manifests: Descriptor[] }
  | { kind: 'image'; config: Descriptor; layers: Descriptor[] };

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/** Parses a manifest or index; the media type comes from the transport, else from the document. */
export function parseManifest(bytes: Buffer, transportMediaType = ''): ParsedManifest {
  const result = documentSchema.safeParse(parseJson(bytes, 'manifest'));
  if (!result.success) throw new Error(`invalid manifest: ${result.error.issues[0]?.message ?? 'schema mismatch'}`);
  const doc = result.data;
  if (doc.fsLayers !== undefined || doc.schemaVersion === 1) throw new Error('Docker schema 1 manifests are not supported');
  const mediaType = INDEX_TYPES.has(transportMediaType) || MANIFEST_TYPES.has(transportMediaType) ? transportMediaType : (doc.mediaType ?? '');
  if (INDEX_TYPES.has(mediaType) || (!MANIFEST_TYPES.has(mediaType) && doc.manifests)) {
    return { kind: 'index', manifests: doc.manifests ?? [] };
  }
  if (!doc.config || !doc.layers) throw new Error(`not an image manifest (media type "${mediaType || 'unknown'}")`);
  if (doc.config.mediaType && !CONFIG_TYPES.has(doc.config.mediaType)) {
    throw new Error(`not a container image: config media type is ${doc.config.mediaType}`);
  }
  return { kind: 'image', config: doc.config, layers: doc.layers };
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_TYPES.has(mediaType);
}

/** Index entries that are runnable images: not attestations, signatures or other artifacts. */
export function isRunnableImage(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return false;
  if (descriptor.artifactType) return false;
  if (descriptor.platform?.os === 'unknown') return false;
  return descriptor.mediaType === undefined || MANIFEST_TYPES.has(descriptor.mediaType);
}

const configSchema = z.object({
  os: z.string().optional(),
  architecture: z.string().optional(),
  variant: z.string().optional(),
  rootfs: z.object({ type: z.string().optional(), diff_ids: z.array(z.string().regex(DIGEST)).optional() }).optional(),
});

export interface ImageConfig {
  platform?: Platform;
  diffIds?: string[];
}

export function parseImageConfig(bytes: Buffer): ImageConfig {
  const result = configSchema.safeParse(parseJson(bytes, 'image config'));
  if (!result.success) throw new Error(`invalid image config: ${result.error.issues[0]?.message ?? 'schema mismatch'}`);
  const { os, architecture, variant, rootfs } = result.data;
  return {
    ...(os && architecture ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
    ...(rootfs?.diff_ids ? { diffIds: rootfs.diff_ids } : {}),
  };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new Error(`invalid platform "${text}" (expected os/arch[/variant])`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** arm64 without a variant means v8; amd64 v1 likewise. */
function normalVariant(platform: Platform): string {
  if (platform.variant) return platform.variant;
  if (platform.architecture === 'arm64') return 'v8';
  if (platform.architecture === 'amd64') return 'v1';
  return '';
}

export function platformMatches(wanted: Platform, actual: Platform | undefined): boolean {
  if (!actual) return false;
  if (wanted.os !== actual.os || wanted.architecture !== actual.architecture) return false;
  return !wanted.variant || normalVariant(wanted) === normalVariant(actual);
}
