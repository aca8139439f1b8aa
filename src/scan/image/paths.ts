/**
 * Paths inside an image: tar entry names normalised the way runtimes apply
 * them (rooted, `.`/`..` resolved lexically, never above the root), and the
 * overlay whiteout markers.
 */

export interface NormalizedPath {
  /** no leading or trailing slash; '' is the root */
  path: string;
  /** a `..` tried to climb above the root (it was clamped) */
  escaped: boolean;
}

export function normalizePath(name: string): NormalizedPath {
  const parts: string[] = [];
  let escaped = false;
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) escaped = true;
      else parts.pop();
      continue;
    }
    parts.push(part);
  }
  return { path: parts.join('/'), escaped };
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`) starts with this and is not a deletion */
const AUFS_META_PREFIX = '.wh..wh.';

export type WhiteoutMarker = { kind: 'opaque'; dir: string } | { kind: 'whiteout'; target: string } | { kind: 'aufs-meta' };

/** Classifies an entry path (already normalised) as a whiteout marker, or undefined for a normal entry. */
export function whiteoutMarker(path: string): WhiteoutMarker | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (base.startsWith(AUFS_META_PREFIX)) return { kind: 'aufs-meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') return { kind: 'aufs-meta' };
  return { kind: 'whiteout', target: joinPath(dir, name) };
}

/** True when `path` is `ancestor` itself or lies below it ('' is the root and contains everything). */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}
