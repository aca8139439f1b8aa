/**
 * Image references on the command line:
 *   oci:DIR[:TAG]                 OCI image layout folder
 *   docker-archive:FILE[:TAG]     `docker save` output (.tar, .tar.gz, .tgz, .tar.zst)
 *   FILE.tar / FILE.tar.gz        same as docker-archive:
 */
import { BlobImageSource } from './blob-image-source.js';
import { DockerArchiveSource } from './docker-archive.js';
import { DEFAULT_LIMITS, type ImageLimits } from './limits.js';
import { OciLayoutBlobSource } from './oci-layout.js';
import type { ImageSource } from './types.js';

const ARCHIVE = /^(.+?\.(?:tar|tar\.gz|tgz|tar\.zst))(?::(.+))?$/;

export function ociLayoutSource(dir: string, tag = '', limits: Partial<ImageLimits> = {}): ImageSource {
  const maxManifestSize = limits.maxManifestSize ?? DEFAULT_LIMITS.maxManifestSize;
  return new BlobImageSource(new OciLayoutBlobSource(dir, maxManifestSize), tag, {
    name: `oci:${dir}${tag ? `:${tag}` : ''}`,
    maxManifestSize,
    maxIndexDepth: limits.maxIndexDepth ?? DEFAULT_LIMITS.maxIndexDepth,
  });
}

export function dockerArchiveSource(file: string, tag?: string, limits: Partial<ImageLimits> = {}): ImageSource {
  return new DockerArchiveSource(file, {
    ...(tag ? { tag } : {}),
    maxManifestSize: limits.maxManifestSize ?? DEFAULT_LIMITS.maxManifestSize,
    maxArchiveBytes: limits.maxImageBytes ?? DEFAULT_LIMITS.maxImageBytes,
  });
}

export function openImageSource(spec: string, limits: Partial<ImageLimits> = {}): ImageSource {
  if (spec.startsWith('oci:')) {
    const rest = spec.slice('oci:'.length);
    const colon = rest.lastIndexOf(':');
    const tag = colon > 0 ? rest.slice(colon + 1) : '';
    if (tag && !tag.includes('/')) return ociLayoutSource(rest.slice(0, colon), tag, limits);
    return ociLayoutSource(rest, '', limits);
  }
  const archive = ARCHIVE.exec(spec.startsWith('docker-archive:') ? spec.slice('docker-archive:'.length) : spec);
  if (archive) return dockerArchiveSource(archive[1] as string, archive[2], limits);
  throw new Error(`unrecognised image reference "${spec}" (expected oci:DIR[:TAG] or docker-archive:FILE[:TAG])`);
}
