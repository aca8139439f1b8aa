/** Write and read OCI image layouts (`oci:DIR:TAG` for skopeo, umoci, ...). */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Blob, Descriptor, OciImage, OciIndex } from './ociTypes.js';

async function writeBlob(dir: string, blob: Blob): Promise<void> {
  const [algorithm, hex] = blob.digest.split(':') as [string, string];
  const target = path.join(dir, 'blobs', algorithm, hex);
  if (await stat(target).catch(() => undefined)) return;
  await mkdir(path.dirname(target), { recursive: true });
  if (blob.bytes) await writeFile(target, blob.bytes);
  else if (blob.path) await copyFile(blob.path, target);
  else throw new Error(`blob ${blob.digest} has neither bytes nor path`);
}

/**
 * Writes `target` into the OCI layout `dir` (created if needed) and tags it:
 * index.json gets a descriptor annotated `org.opencontainers.image.ref.name: tag`
 * (replacing an existing one with the same tag).
 */
export async function writeOciLayout(dir: string, target: OciImage | OciIndex, tag: string): Promise<void> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const images = target.kind === 'index' ? target.images : [target];
  for (const img of images) {
    for (const blob of [img.config, ...img.layers, img.manifest]) await writeBlob(dir, blob);
  }
  await writeBlob(dir, target.manifest);
  const existing = await readOciLayoutIndex(dir).catch(() => ({ schemaVersion: 2, manifests: [] as Descriptor[] }));
  const manifests = existing.manifests.filter((d) => d.annotations?.['org.opencontainers.image.ref.name'] !== tag);
  manifests.push({
    mediaType: target.manifest.mediaType,
    digest: target.digest,
    size: target.manifest.size,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}

/** Parsed index.json of an OCI layout. */
export async function readOciLayoutIndex(dir: string): Promise<{ schemaVersion: number; manifests: Descriptor[] }> {
  return JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'));
}

/** Descriptor tagged `tag` in the layout's index.json (undefined if absent). */
export async function findOciLayoutTag(dir: string, tag: string): Promise<Descriptor | undefined> {
  const index = await readOciLayoutIndex(dir);
  return index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === tag);
}

/** Raw bytes of a blob in the layout. */
export function readOciLayoutBlob(dir: string, digest: string): Promise<Buffer> {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return readFile(path.join(dir, 'blobs', algorithm, hex));
}
