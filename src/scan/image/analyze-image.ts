/**
 * analyzeImage: pick the platform image, reuse cached layer analyses, stream
 * only the missing layers (each once), merge them and list the packages.
 */
import { CATALOGERS } from '../catalogers/index.js';
import type { Cataloger } from '../catalogers/cataloger.js';
import type { OsInfo, Package } from '../types.js';
import { analyzeLayer } from './analyze-layer.js';
import { collectPackages } from './collect-packages.js';
import { ImageFilesystem } from './image-filesystem.js';
import { isUsableAnalysis, layerCacheKey } from './layer-cache.js';
import { ImageBudget, resolveLimits, type ImageLimits } from './limits.js';
import { formatPlatform, parsePlatform, platformMatches } from './manifest.js';
import type { ImageEntry, ImageSource, LayerAnalysis, LayerCache, LayerRef, Platform } from './types.js';

export interface AnalyzeImageOptions {
  /** for a multi-platform index: `linux/arm64`, or a Platform; default linux/amd64, else the first image */
  platform?: string | Platform;
  /** or one entry of listPlatforms() by its manifest digest (to scan every platform in turn) */
  manifestDigest?: string;
  catalogers?: readonly Cataloger[];
  cache?: LayerCache;
  limits?: Partial<ImageLimits>;
}

export interface ImageAnalysis {
  /** manifest digest of the analysed image (docker archives: the image id) */
  digest: string;
  platform?: string;
  os?: OsInfo;
  packages: Package[];
  /** layer digests, bottom first */
  layers: string[];
  warnings: string[];
  /** layers read from the cache / streamed in this call */
  layerStats: { cached: number; analysed: number };
}

const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** The images a source names: one, or one per platform of an index. */
export function listPlatforms(source: ImageSource): Promise<ImageEntry[]> {
  return source.listImages();
}

export function selectImage(entries: ImageEntry[], platform?: string | Platform): ImageEntry {
  if (entries.length === 0) throw new Error('no image to analyse');
  if (platform !== undefined) {
    const wanted = typeof platform === 'string' ? parsePlatform(platform) : platform;
    const found = entries.find((e) => platformMatches(wanted, e.platform)) ?? (entries.length === 1 && !entries[0]?.platform ? entries[0] : undefined);
    if (!found) {
      const available = entries.map((e) => (e.platform ? formatPlatform(e.platform) : e.digest)).join(', ');
      throw new Error(`no image for platform ${formatPlatform(wanted)} (available: ${available})`);
    }
    return found;
  }
  if (entries.length === 1) return entries[0] as ImageEntry;
  return entries.find((e) => platformMatches(DEFAULT_PLATFORM, e.platform)) ?? (entries[0] as ImageEntry);
}

async function cachedAnalyses(layers: LayerRef[], cache: LayerCache | undefined, keyOf: (l: LayerRef) => string, warnings: string[]): Promise<Map<string, LayerAnalysis>> {
  const found = new Map<string, LayerAnalysis>();
  if (!cache) return found;
  for (const layer of layers) {
    try {
      const value = await cache.get(keyOf(layer));
      if (isUsableAnalysis(value, layer.digest)) found.set(layer.digest, value);
    } catch (err) {
      warnings.push(`layer cache read failed for ${layer.digest}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return found;
}

export async function analyzeImage(source: ImageSource, options: AnalyzeImageOptions = {}): Promise<ImageAnalysis> {
  const limits = resolveLimits(options.limits);
  const catalogers = options.catalogers ?? CATALOGERS;
  const entries = await source.listImages();
  const entry = options.manifestDigest ? entries.find((e) => e.digest === options.manifestDigest) : selectImage(entries, options.platform);
  if (!entry) throw new Error(`${options.manifestDigest} is not an image of ${source.name}`);
  const image = await source.resolveImage(entry);
  const wanted = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
  if (wanted && image.platform && !platformMatches(wanted, image.platform)) {
    throw new Error(`image ${image.digest} is ${formatPlatform(image.platform)}, not ${formatPlatform(wanted)}`);
  }
  const warnings: string[] = [];
  const keyOf = (layer: LayerRef) => layerCacheKey(layer.digest, catalogers, limits);

  const unique = [...new Map(image.layers.map((l) => [l.digest, l])).values()];
  const analyses = await cachedAnalyses(unique, options.cache, keyOf, warnings);
  const missing = unique.filter((l) => !analyses.has(l.digest));
  const budget = new ImageBudget(limits);
  await source.streamLayers(missing, async (layer, stream) => {
    const analysis = await analyzeLayer(stream, { layer, catalogers, limits, budget });
    analyses.set(layer.digest, analysis);
    try {
      await options.cache?.set(keyOf(layer), analysis);
    } catch (err) {
      warnings.push(`layer cache write failed for ${layer.digest}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });

  const ordered = image.layers.map((layer) => {
    const analysis = analyses.get(layer.digest);
    if (!analysis) throw new Error(`layer ${layer.digest} was not analysed`);
    return analysis;
  });
  for (const analysis of unique.map((l) => analyses.get(l.digest) as LayerAnalysis)) {
    for (const warning of analysis.warnings) warnings.push(`layer ${analysis.digest.slice(0, 19)}: ${warning}`);
  }
  const fs = ImageFilesystem.fromLayers(ordered, limits.maxSymlinkHops);
  const collected = collectPackages(fs, catalogers);
  return {
    digest: image.digest,
    ...(image.platform ? { platform: formatPlatform(image.platform) } : {}),
    ...(collected.os ? { os: collected.os } : {}),
    packages: collected.packages,
    layers: image.layers.map((l) => l.digest),
    warnings: [...warnings, ...collected.warnings],
    layerStats: { cached: unique.length - missing.length, analysed: missing.length },
  };
}
