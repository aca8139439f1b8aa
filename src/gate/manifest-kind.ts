/**
 * What a manifest is, for gating:
 * - `image`: runnable — an image config and filesystem layers (or none): scanned and decided.
 * - `index`: a list of platform images: served when one of its runnable children is allowed.
 * - `artifact`: anything not runnable — cosign signatures and attestations, sigstore bundles,
 *   SBOMs, notation signatures, buildkit attestation manifests. Served without a scan.
 * A manifest with `subject` or `artifactType` whose config is an image config and whose layers
 * are filesystem layers is still an image: runnable bytes are never served unscanned.
 */
import { isRunnableImage, parseManifest, type Descriptor } from '../scan/image/manifest.js';
import type { StoredManifest } from '../storage/manifest-store.js';

export type ManifestKind =
  | { kind: 'image'; blobs: string[] }
  | { kind: 'index'; children: Descriptor[] }
  | { kind: 'artifact'; blobs: string[] };

const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

/** Layer media types a container runtime unpacks into a filesystem. */
export function isFilesystemLayer(mediaType: string | undefined): boolean {
  if (mediaType === undefined) return true;
  return mediaType.startsWith('application/vnd.oci.image.layer.') || mediaType.startsWith('application/vnd.docker.image.rootfs.');
}

interface RawManifest {
  mediaType?: unknown;
  artifactType?: unknown;
  subject?: unknown;
  config?: { mediaType?: unknown; digest?: unknown };
  layers?: Array<{ mediaType?: unknown; digest?: unknown }>;
  manifests?: unknown;
}

function rawOf(m: StoredManifest): RawManifest {
  try {
    const j = JSON.parse(m.bytes.toString('utf8')) as unknown;
    return j && typeof j === 'object' ? (j as RawManifest) : {};
  } catch {
    return {};
  }
}

function blobDigests(raw: RawManifest): string[] {
  const out: string[] = [];
  if (typeof raw.config?.digest === 'string') out.push(raw.config.digest);
  for (const l of Array.isArray(raw.layers) ? raw.layers : []) if (typeof l?.digest === 'string') out.push(l.digest);
  return out;
}

export function classifyManifest(m: StoredManifest): ManifestKind {
  const raw = rawOf(m);
  let parsed: ReturnType<typeof parseManifest> | undefined;
  try {
    parsed = parseManifest(m.bytes, m.mediaType);
  } catch {
    parsed = undefined; // not a container image (foreign config type) or not parseable: decided below
  }
  if (parsed?.kind === 'index') {
    const children = parsed.manifests.filter(isRunnableImage);
    // an index of no runnable image (attestations, nested indexes, artifacts): nothing to run here;
    // each manifest it lists is gated on its own when pulled
    if (children.length === 0) return { kind: 'artifact', blobs: [] };
    return { kind: 'index', children };
  }
  const configType = typeof raw.config?.mediaType === 'string' ? raw.config.mediaType : undefined;
  const layers = Array.isArray(raw.layers) ? raw.layers : [];
  const foreignConfig = configType !== undefined && !IMAGE_CONFIG_TYPES.has(configType);
  const noFilesystem = layers.length > 0 && !layers.some((l) => isFilesystemLayer(typeof l?.mediaType === 'string' ? l.mediaType : undefined));
  if (raw.config && (foreignConfig || noFilesystem)) return { kind: 'artifact', blobs: blobDigests(raw) };
  // runnable, or of a shape we cannot read: scanned either way (a failed scan follows policy.onError)
  return { kind: 'image', blobs: blobDigests(raw) };
}
