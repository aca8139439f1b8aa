/**
 * The cataloger seam. A cataloger names the files it wants, parses each one on
 * its own (so results can be cached per layer), and may apply one image-wide
 * rule once every layer is merged. Catalogers never see layers, tar streams or
 * caches; the image reader never knows a package format.
 */
import type { PackageKind } from '../types.js';

/** A package as read from one file, before the image's OS is known. */
export interface RawPackage {
  name: string;
  version: string;
  kind: PackageKind;
  /** dpkg Source / apk origin / rpm source package */
  source?: string;
  sourceVersion?: string;
  arch?: string;
  /** rpm only: epoch when not zero */
  epoch?: number;
}

/** What one cataloger extracted from one file. Must stay JSON-serialisable (it is cached). */
export interface CatalogerOutput {
  packages?: RawPackage[];
  /** os-release style key/value pairs (os-release cataloger) */
  osRelease?: Record<string, string>;
  /** the file was wanted but could not be parsed */
  error?: string;
}

export interface ParseContext {
  /** report a non-fatal problem (kept with the layer analysis) */
  warn(message: string): void;
}

/** One visible file of the merged image, with one cataloger's output. */
export interface CatalogedFile {
  /** path inside the image, no leading slash */
  path: string;
  output: CatalogerOutput;
  /** package key (see packageKey) → digest of the layer that introduced it */
  introducedBy: Record<string, string>;
}

/** Read-only view of the merged image, given to image-wide rules. */
export interface ImageView {
  /** outputs recorded for the file at `path`, following symlinks inside the image */
  outputsAt(path: string): Record<string, CatalogerOutput> | undefined;
  /** visible files one cataloger produced output for */
  filesOf(catalogerId: string): CatalogedFile[];
}

export interface Cataloger {
  /** stable id, part of the layer cache key */
  readonly id: string;
  /** bump when the output for the same bytes changes; part of the layer cache key */
  readonly version: number;
  /**
   * Cheap filter called for every regular file of every layer.
   * `path` has no leading slash; `mode` holds the permission bits.
   */
  wants(path: string, size: number, mode: number): boolean;
  /** leading bytes a wanted file must start with; other files are not buffered */
  readonly magic?: Uint8Array;
  parse(path: string, bytes: Buffer, ctx: ParseContext): CatalogerOutput;
  /** optional image-wide rule applied to this cataloger's visible files once all layers are merged */
  finalize?(files: CatalogedFile[], view: ImageView): CatalogedFile[];
}

/** The key that ties a package to the layer that introduced it. */
export function packageKey(pkg: Pick<RawPackage, 'kind' | 'name' | 'version'>): string {
  return `${pkg.kind}\u0000${pkg.name}\u0000${pkg.version}`;
}
