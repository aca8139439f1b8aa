/**
 * One pass over one layer blob: hash the stored bytes, decompress (by magic),
 * count against the image budget, hash the tar (diff id), read the entries.
 * Digests are checked at the end; a mismatch fails the layer (nothing cached).
 */
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Cataloger } from '../catalogers/cataloger.js';
import { decompress, type Compression } from './decompress.js';
import { LayerRecorder } from './layer-recorder.js';
import type { ImageBudget, ImageLimits } from './limits.js';
import { forEachTarEntry } from './tar-file.js';
import type { LayerAnalysis, LayerRef } from './types.js';

export interface AnalyzeLayerOptions {
  layer: LayerRef;
  catalogers: readonly Cataloger[];
  limits: ImageLimits;
  budget: ImageBudget;
}

const HASHES: Record<string, string> = { sha256: 'sha256', sha512: 'sha512' };

export function hashFor(digest: string): Hash {
  const algorithm = HASHES[digest.slice(0, digest.indexOf(':'))];
  if (!algorithm) throw new Error(`unsupported digest algorithm in "${digest}"`);
  return createHash(algorithm);
}

function checkDigest(what: string, expected: string | undefined, hash: Hash | undefined): void {
  if (!expected || !hash) return;
  const actual = `${expected.slice(0, expected.indexOf(':'))}:${hash.digest('hex')}`;
  if (actual !== expected) throw new Error(`${what} digest mismatch: expected ${expected}, got ${actual}`);
}

export async function analyzeLayer(input: Readable, options: AnalyzeLayerOptions): Promise<LayerAnalysis> {
  const { layer, budget } = options;
  const storedHash = layer.storedDigest ? hashFor(layer.storedDigest) : undefined;
  const diffHash = layer.diffId ? hashFor(layer.diffId) : createHash('sha256');
  let compression: Compression = 'none';
  let bytes = 0;

  const stored = (async function* () {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      storedHash?.update(chunk);
      yield chunk;
    }
  })();
  const tar = (async function* () {
    for await (const chunk of decompress(stored, (found) => (compression = found))) {
      budget.addBytes(chunk.length);
      bytes += chunk.length;
      diffHash.update(chunk);
      yield chunk;
    }
  })();

  const recorder = new LayerRecorder(options.catalogers, options.limits, budget);
  try {
    await forEachTarEntry(tar, (header, content) => recorder.add(header, content));
  } finally {
    input.destroy();
  }

  checkDigest(`layer ${layer.digest}: stored`, layer.storedDigest, storedHash);
  checkDigest(`layer ${layer.digest}: uncompressed (diff id)`, layer.diffId, diffHash);
  return {
    schema: 1,
    digest: layer.digest,
    diffId: layer.diffId ?? `sha256:${diffHash.digest('hex')}`,
    compression,
    files: Object.fromEntries(recorder.files),
    symlinks: Object.fromEntries(recorder.symlinks),
    whiteouts: recorder.whiteouts,
    opaqueDirs: recorder.opaqueDirs,
    warnings: recorder.warnings,
    entries: recorder.entries,
    bytes,
  };
}
