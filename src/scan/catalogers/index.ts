/**
 * The explicit list of catalogers. Adding one = one file + one line here;
 * the layer cache key changes with every id and version in this list.
 */
import { createHash } from 'node:crypto';
import { apkCataloger } from './apk.js';
import type { Cataloger } from './cataloger.js';
import { dpkgCataloger } from './dpkg.js';
import { goBinaryCataloger } from './go-binary.js';
import { npmCataloger } from './npm.js';
import { osReleaseCataloger } from './os-release.js';
import { pypiCataloger } from './pypi.js';
import { rpmCataloger } from './rpm.js';

export const CATALOGERS: readonly Cataloger[] = Object.freeze([
  osReleaseCataloger,
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  pypiCataloger,
  goBinaryCataloger,
]);

/** Hash of every cataloger id and version: part of the layer cache key. */
export function catalogerSetHash(catalogers: readonly Cataloger[]): string {
  const ids = catalogers.map((c) => `${c.id}@${c.version}`).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
}

export type { Cataloger, CatalogedFile, CatalogerOutput, ImageView, ParseContext, RawPackage } from './cataloger.js';
export { packageKey } from './cataloger.js';
export { detectOs } from './os-release.js';
export { ecosystemFor } from './ecosystem.js';
export { purlFor, normalizePypiName } from './purl.js';
export { toPackage } from './to-package.js';
