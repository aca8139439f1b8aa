/** RawPackage + the image's OS + where it was found → the shared Package type. */
import type { OsInfo, Package } from '../types.js';
import { packageKey, type CatalogedFile, type RawPackage } from './cataloger.js';
import { ecosystemFor } from './ecosystem.js';
import { purlFor } from './purl.js';

export function toPackage(raw: RawPackage, os: OsInfo | undefined, file: CatalogedFile): Package {
  const layer = file.introducedBy[packageKey(raw)];
  return {
    name: raw.name,
    version: raw.version,
    kind: raw.kind,
    ecosystem: ecosystemFor(raw.kind, os),
    ...(raw.source !== undefined ? { source: raw.source } : {}),
    ...(raw.sourceVersion !== undefined ? { sourceVersion: raw.sourceVersion } : {}),
    purl: purlFor(raw, os),
    ...(layer ? { layer } : {}),
    path: file.path,
  };
}
