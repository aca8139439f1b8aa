/** Manifest media types the gateway understands. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';

/** Sent upstream when the client sent no Accept, and for the gateway's own fetches. */
export const ALL_MANIFEST_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

export function isIndex(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** Does an Accept header admit this media type? An empty Accept or a wildcard admits everything. */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const t = part.split(';')[0]!.trim().toLowerCase();
    return t === '*/*' || t === mediaType.toLowerCase() || t === 'application/*';
  });
}

/** The media type of a manifest: the upstream's Content-Type, else the JSON's own mediaType field. */
export function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const ct = contentType?.split(';')[0]!.trim();
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && ct !== 'application/octet-stream') return ct;
  try {
    const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof j.mediaType === 'string') return j.mediaType;
    return Array.isArray(j.manifests) ? OCI_INDEX : OCI_MANIFEST;
  } catch {
    return ct || OCI_MANIFEST;
  }
}
