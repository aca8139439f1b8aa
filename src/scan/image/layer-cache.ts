/**
 * Per-layer analysis cache. The key holds everything that changes a layer's
 * analysis: the layer digest, every cataloger id and version, the file-size
 * cap and the reader's own format version.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogerSetHash } from '../catalogers/index.js';
import type { Cataloger } from '../catalogers/cataloger.js';
import type { ImageLimits } from './limits.js';
import type { LayerAnalysis, LayerCache } from './types.js';

/** Bump when LayerAnalysis or the way it is produced changes. */
export const LAYER_ANALYSIS_VERSION = 1;

export function layerCacheKey(layerDigest: string, catalogers: readonly Cataloger[], limits: Pick<ImageLimits, 'maxFileSize'>): string {
  return `layer-analysis/v${LAYER_ANALYSIS_VERSION}/${layerDigest}/${catalogerSetHash(catalogers)}/max-file-${limits.maxFileSize}`;
}

/** A cached value is used only if it has the expected shape and digest. */
export function isUsableAnalysis(value: unknown, digest: string): value is LayerAnalysis {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<LayerAnalysis>;
  return (
    v.schema === 1 &&
    v.digest === digest &&
    typeof v.files === 'object' &&
    v.files !== null &&
    typeof v.symlinks === 'object' &&
    v.symlinks !== null &&
    Array.isArray(v.whiteouts) &&
    Array.isArray(v.opaqueDirs) &&
    Array.isArray(v.warnings)
  );
}

/** In-process cache, bounded by entry count (oldest insertion evicted first). */
export class MemoryLayerCache implements LayerCache {
  private readonly entries = new Map<string, LayerAnalysis>();
  constructor(private readonly maxEntries = 1000) {}

  async get(key: string): Promise<LayerAnalysis | undefined> {
    const value = this.entries.get(key);
    if (value) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  async set(key: string, value: LayerAnalysis): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** One JSON file per key in a directory; writes go to a temp file renamed into place. */
export class FileLayerCache implements LayerCache {
  constructor(readonly dir: string) {}

  private pathFor(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  async get(key: string): Promise<LayerAnalysis | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathFor(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const stored = JSON.parse(text) as { key?: unknown; value?: unknown };
      return stored.key === key ? (stored.value as LayerAnalysis) : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: LayerAnalysis): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.pathFor(key);
    const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify({ key, value }), { flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}
