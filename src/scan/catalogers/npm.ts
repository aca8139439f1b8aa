/**
 * npm: installed packages (`node_modules/**\/<name>/package.json`), and
 * `package-lock.json` / `npm-shrinkwrap.json` (lockfile v1–v3) only for
 * folders that have no installed node_modules.
 */
import type { Cataloger, CatalogedFile, CatalogerOutput, RawPackage } from './cataloger.js';

const INSTALLED_MANIFEST = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/]+\/package\.json$/;
const LOCK_FILE = /(?:^|\/)(?:package-lock|npm-shrinkwrap)\.json$/;

/** A version we can match: not a URL, a file: or git: reference, or a tag. */
function isRegistryVersion(version: unknown): version is string {
  return typeof version === 'string' && /^v?\d/.test(version) && !/[:/]/.test(version);
}

function isLockFile(path: string): boolean {
  return LOCK_FILE.test(path) && !path.includes('node_modules/');
}

/** The folder that holds the project: `app/` for `app/package-lock.json`, '' at the root. */
function projectDir(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

function parseJson(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromPackagesMap(packages: Record<string, unknown>, out: Map<string, RawPackage>): void {
  for (const [key, entry] of Object.entries(packages)) {
    // "" is the workspace root; keys without node_modules are workspace sources
    const at = key.lastIndexOf('node_modules/');
    if (at < 0 || !isRecord(entry) || entry.link === true) continue;
    if (entry.dev === true || entry.devOptional === true) continue;
    const name = typeof entry.name === 'string' ? entry.name : key.slice(at + 'node_modules/'.length);
    if (isRegistryVersion(entry.version)) out.set(`${name}@${entry.version}`, { name, version: entry.version, kind: 'npm' });
  }
}

function fromDependenciesTree(deps: Record<string, unknown>, out: Map<string, RawPackage>, depth = 0): void {
  if (depth > 64) return;
  for (const [name, entry] of Object.entries(deps)) {
    if (!isRecord(entry) || entry.dev === true) continue;
    if (isRegistryVersion(entry.version)) out.set(`${name}@${entry.version}`, { name, version: entry.version, kind: 'npm' });
    if (isRecord(entry.dependencies)) fromDependenciesTree(entry.dependencies, out, depth + 1);
  }
}

function parseLockFile(json: unknown): RawPackage[] {
  if (!isRecord(json)) throw new Error('not a JSON object');
  const out = new Map<string, RawPackage>();
  // v2 carries both maps; `packages` is authoritative for v2 and v3
  if (isRecord(json.packages)) fromPackagesMap(json.packages, out);
  else if (isRecord(json.dependencies)) fromDependenciesTree(json.dependencies, out);
  return [...out.values()];
}

function parseInstalledManifest(json: unknown): RawPackage[] {
  if (!isRecord(json) || typeof json.name !== 'string' || json.name === '') return [];
  if (typeof json.version !== 'string' || json.version === '') return [];
  return [{ name: json.name, version: json.version, kind: 'npm' }];
}

export const npmCataloger: Cataloger = {
  id: 'npm',
  version: 1,
  wants(path) {
    return INSTALLED_MANIFEST.test(path) || isLockFile(path);
  },
  parse(path, bytes): CatalogerOutput {
    const json = parseJson(bytes);
    return { packages: isLockFile(path) ? parseLockFile(json) : parseInstalledManifest(json) };
  },
  finalize(files: CatalogedFile[]): CatalogedFile[] {
    const installedIn = new Set<string>();
    for (const file of files) {
      if (isLockFile(file.path) || (file.output.packages?.length ?? 0) === 0) continue;
      installedIn.add(file.path.slice(0, file.path.indexOf('node_modules/')));
    }
    return files.filter((file) => !isLockFile(file.path) || !installedIn.has(projectDir(file.path)));
  },
};
