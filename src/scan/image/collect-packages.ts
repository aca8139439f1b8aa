/**
 * From the merged image to the package list: gather each cataloger's visible
 * files, apply its image-wide rule, detect the OS, build Packages.
 */
import { detectOs, toPackage } from '../catalogers/index.js';
import type { CatalogedFile, Cataloger, CatalogerOutput, ImageView } from '../catalogers/cataloger.js';
import type { OsInfo, Package } from '../types.js';
import type { ImageFilesystem } from './image-filesystem.js';

export interface CollectedPackages {
  os?: OsInfo;
  packages: Package[];
  warnings: string[];
}

function imageView(fs: ImageFilesystem): ImageView {
  const byCataloger = new Map<string, CatalogedFile[]>();
  for (const [path, node] of fs.entries()) {
    if (node.kind !== 'file') continue;
    for (const [id, output] of Object.entries(node.outputs)) {
      const list = byCataloger.get(id) ?? [];
      list.push({ path, output, introducedBy: node.introducedBy });
      byCataloger.set(id, list);
    }
  }
  return {
    outputsAt(path: string): Record<string, CatalogerOutput> | undefined {
      const node = fs.lookup(path);
      return node?.kind === 'file' ? node.outputs : undefined;
    },
    filesOf(catalogerId: string): CatalogedFile[] {
      return [...(byCataloger.get(catalogerId) ?? [])];
    },
  };
}

function comparePackages(a: Package, b: Package): number {
  return a.path.localeCompare(b.path) || a.name.localeCompare(b.name) || a.version.localeCompare(b.version);
}

export function collectPackages(fs: ImageFilesystem, catalogers: readonly Cataloger[]): CollectedPackages {
  const view = imageView(fs);
  const os = detectOs(view);
  const warnings: string[] = [];
  const seen = new Set<string>();
  const packages: Package[] = [];
  for (const cataloger of catalogers) {
    let files = view.filesOf(cataloger.id).filter((file) => file.output.error === undefined);
    if (cataloger.finalize) files = cataloger.finalize(files, view);
    for (const file of files) {
      for (const raw of file.output.packages ?? []) {
        const pkg = toPackage(raw, os, file);
        const key = `${pkg.kind}\u0000${pkg.name}\u0000${pkg.version}\u0000${pkg.path}`;
        if (seen.has(key)) continue;
        seen.add(key);
        packages.push(pkg);
      }
    }
  }
  for (const [path, node] of fs.entries()) {
    if (node.kind === 'skipped') warnings.push(`${path}: not cataloged (${node.reason})`);
  }
  const withoutEcosystem = packages.filter((p) => p.ecosystem === '');
  if (withoutEcosystem.length > 0) {
    const kinds = [...new Set(withoutEcosystem.map((p) => p.kind))].join(', ');
    const osName = os ? `${os.family} ${os.version}`.trim() : 'undetected OS';
    warnings.push(`${withoutEcosystem.length} ${kinds} package(s) have no OSV ecosystem (${osName}); they cannot be matched`);
  }
  return { ...(os ? { os } : {}), packages: packages.sort(comparePackages), warnings };
}
