/**
 * dpkg: `var/lib/dpkg/status` and the one-file-per-package
 * `var/lib/dpkg/status.d/*` that distroless images ship.
 */
import type { Cataloger, CatalogerOutput, RawPackage } from './cataloger.js';
import { parseControlFile, type Paragraph } from './control-file.js';

export const DPKG_ID = 'dpkg';
export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';

/**
 * States in which the package's files are on disk and configured (or only
 * awaiting triggers). The desired action ("want", first word) is ignored on
 * purpose: `deinstall ok installed` still has every file in place.
 * `config-files`, `half-installed`, `unpacked` and `not-installed` are left out.
 */
const INSTALLED_STATES = new Set(['installed', 'triggers-pending', 'triggers-awaited', 'half-configured']);

export function isStatusDFile(path: string): boolean {
  if (!path.startsWith(DPKG_STATUS_D)) return false;
  const name = path.slice(DPKG_STATUS_D.length);
  // status.d also holds `<pkg>.md5sums` files next to the control files
  return name.length > 0 && !name.includes('/') && !name.endsWith('.md5sums');
}

/** A missing Status field counts as installed: distroless status.d files have none. */
export function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true;
  const words = status.trim().split(/\s+/);
  return words.length === 3 && INSTALLED_STATES.has(words[2] ?? '');
}

/** `glibc (2.36-9+deb12u4)` → name and version; a bare `glibc` keeps the binary version. */
export function parseSourceField(source: string | undefined, binaryVersion: string): { name?: string; version: string } {
  if (!source) return { version: binaryVersion };
  const match = /^(\S+)(?:\s+\(([^)]+)\))?\s*$/.exec(source.trim());
  if (!match) return { version: binaryVersion };
  return { name: match[1], version: match[2]?.trim() || binaryVersion };
}

function toPackage(p: Paragraph): RawPackage | undefined {
  const name = p.get('package');
  const version = p.get('version');
  if (!name || !version) return undefined;
  if (!isInstalled(p.get('status'))) return undefined;
  const source = parseSourceField(p.get('source'), version);
  return {
    name,
    version,
    kind: 'deb',
    source: source.name ?? name,
    sourceVersion: source.version,
    ...(p.get('architecture') ? { arch: p.get('architecture') } : {}),
  };
}

export const dpkgCataloger: Cataloger = {
  id: DPKG_ID,
  version: 1,
  wants(path) {
    return path === DPKG_STATUS || isStatusDFile(path);
  },
  parse(path, bytes, ctx): CatalogerOutput {
    const { paragraphs, malformedLines } = parseControlFile(bytes.toString('utf8'));
    if (malformedLines > 0) ctx.warn(`dpkg: ${path}: ${malformedLines} malformed line(s) ignored`);
    const packages: RawPackage[] = [];
    for (const paragraph of paragraphs) {
      const pkg = toPackage(paragraph);
      if (pkg) packages.push(pkg);
    }
    return { packages };
  },
};
