/**
 * The merged view of an image's layers, built from LayerAnalysis records
 * only (so cached layers need no re-read). Overlay rules, per layer from the
 * bottom: opaque directories hide lower content, whiteouts delete a path and
 * its subtree, a file or symlink replaces whatever was at its path (a
 * directory included). Symlinks resolve inside this map only: `..` stops at
 * the root, absolute targets restart at the image root, hops are bounded.
 */
import { packageKey, type CatalogerOutput } from '../catalogers/cataloger.js';
import { isWithin, normalizePath } from './paths.js';
import type { LayerAnalysis } from './types.js';

export interface FileNode {
  kind: 'file';
  layer: string;
  outputs: Record<string, CatalogerOutput>;
  /** package key → digest of the lowest layer that had the same package at this path */
  introducedBy: Record<string, string>;
}

export interface SkippedNode {
  kind: 'skipped';
  layer: string;
  reason: string;
}

export interface SymlinkNode {
  kind: 'symlink';
  layer: string;
  target: string;
}

export type FsNode = FileNode | SkippedNode | SymlinkNode;

export type Resolution = { path: string } | { error: 'loop' };

function packageKeysOf(outputs: Record<string, CatalogerOutput>): string[] {
  return Object.values(outputs).flatMap((output) => (output.packages ?? []).map(packageKey));
}

export class ImageFilesystem {
  private readonly nodes = new Map<string, FsNode>();

  constructor(private readonly maxSymlinkHops = 40) {}

  static fromLayers(layers: readonly LayerAnalysis[], maxSymlinkHops = 40): ImageFilesystem {
    const fs = new ImageFilesystem(maxSymlinkHops);
    for (const layer of layers) fs.apply(layer);
    return fs;
  }

  /** Applies one layer on top of the current view. */
  apply(layer: LayerAnalysis): void {
    const deleted = new Set(layer.whiteouts);
    const opaque = new Set(layer.opaqueDirs);
    // a non-directory entry replaces a lower directory with all its content
    const replaced = new Set([...Object.keys(layer.files), ...Object.keys(layer.symlinks)]);
    if (deleted.size + opaque.size + replaced.size > 0) {
      for (const path of [...this.nodes.keys()]) {
        if (this.isHidden(path, deleted, opaque, replaced)) this.nodes.delete(path);
      }
    }
    for (const [path, target] of Object.entries(layer.symlinks)) {
      this.nodes.set(path, { kind: 'symlink', layer: layer.digest, target });
    }
    for (const [path, file] of Object.entries(layer.files)) {
      if ('skipped' in file) {
        this.nodes.set(path, { kind: 'skipped', layer: layer.digest, reason: file.skipped });
        continue;
      }
      const previous = this.nodes.get(path);
      const introducedBy: Record<string, string> = {};
      for (const key of packageKeysOf(file.outputs)) {
        introducedBy[key] = (previous?.kind === 'file' && previous.introducedBy[key]) || layer.digest;
      }
      this.nodes.set(path, { kind: 'file', layer: layer.digest, outputs: file.outputs, introducedBy });
    }
  }

  private isHidden(path: string, deleted: Set<string>, opaque: Set<string>, replaced: Set<string>): boolean {
    // an opaque marker in D means D is a directory in this layer: it replaces a lower link or file at D
    if (deleted.has(path) || opaque.has(path) || opaque.has('')) return true;
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const ancestor = path.slice(0, slash);
      if (deleted.has(ancestor) || opaque.has(ancestor) || replaced.has(ancestor)) return true;
    }
    return false;
  }

  /** Resolves every symlink along `path` (the last component too) inside the image. */
  resolve(path: string): Resolution {
    let pending = normalizePath(path).path.split('/').filter(Boolean);
    const resolved: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const candidate = [...resolved, part].join('/');
      const node = this.nodes.get(candidate);
      if (node?.kind !== 'symlink') {
        resolved.push(part);
        continue;
      }
      if (++hops > this.maxSymlinkHops) return { error: 'loop' };
      if (node.target.startsWith('/')) resolved.length = 0;
      pending = [...node.target.split('/').filter(Boolean), ...pending];
    }
    return { path: resolved.join('/') };
  }

  /** The node at `path` after following symlinks; undefined when missing, dangling or looping. */
  lookup(path: string): FileNode | SkippedNode | undefined {
    const resolution = this.resolve(path);
    if ('error' in resolution) return undefined;
    const node = this.nodes.get(resolution.path);
    return node?.kind === 'symlink' ? undefined : node;
  }

  /** The node stored at exactly `path`, without following symlinks. */
  node(path: string): FsNode | undefined {
    return this.nodes.get(normalizePath(path).path);
  }

  *entries(): IterableIterator<[string, FsNode]> {
    yield* [...this.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Paths at or below `dir` (no symlink resolution). */
  pathsWithin(dir: string): string[] {
    return [...this.nodes.keys()].filter((path) => isWithin(path, dir));
  }
}
