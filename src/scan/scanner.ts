/**
 * The scanner: image source → packages (analyzeImage) → findings (matchPackages) → Report.
 * Used by `portcullis scan` and by the gate on first pull.
 */
import { analyzeImage, listPlatforms, formatPlatform, type ImageSource, type LayerCache, type ImageLimits } from './image/index.js';
import { matchPackages } from './match/index.js';
import type { VulnLookup } from './vulndb/index.js';
import type { Report } from './types.js';
import { SCANNER_VERSION } from '../version.js';

export interface ScanDb extends VulnLookup {
  readonly version: string;
}

export interface ScanOptions {
  db: ScanDb;
  cache?: LayerCache;
  limits?: Partial<ImageLimits>;
  /** for an index: which platform (default linux/amd64, else the first) */
  platform?: string;
  /** or exactly this manifest of the index */
  manifestDigest?: string;
  /** what the report calls the target (default: the source's name) */
  target?: string;
  now?: () => Date;
}

export async function scanImage(source: ImageSource, opts: ScanOptions): Promise<Report> {
  const analysis = await analyzeImage(source, {
    cache: opts.cache, limits: opts.limits, platform: opts.platform, manifestDigest: opts.manifestDigest,
  });
  const warnings = [...analysis.warnings];
  const vulnerabilities = matchPackages(opts.db, analysis.packages, { onProblem: (m) => warnings.push(m) });
  return {
    target: opts.target ?? source.name,
    digest: analysis.digest,
    ...(analysis.platform ? { platform: analysis.platform } : {}),
    ...(analysis.os ? { os: analysis.os } : {}),
    packages: analysis.packages,
    vulnerabilities,
    dbVersion: opts.db.version,
    scannedAt: (opts.now?.() ?? new Date()).toISOString(),
    scanner: { version: SCANNER_VERSION },
    ...(warnings.length ? { warnings } : {}),
  };
}

/** One report per platform of an index (one for a single image). */
export async function scanAllPlatforms(source: ImageSource, opts: Omit<ScanOptions, 'platform' | 'manifestDigest'>): Promise<Report[]> {
  const entries = await listPlatforms(source);
  const reports: Report[] = [];
  for (const e of entries) {
    reports.push(await scanImage(source, { ...opts, manifestDigest: e.digest, target: opts.target ? `${opts.target}${e.platform ? ` (${formatPlatform(e.platform)})` : ''}` : undefined }));
  }
  return reports;
}
