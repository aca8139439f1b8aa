/**
 * Operating system detection: `etc/os-release` (often a symlink) or
 * `usr/lib/os-release`, with `etc/debian_version` / `etc/alpine-release` as
 * fallbacks, and distroless detection from dpkg `status.d`.
 */
import type { OsInfo } from '../types.js';
import type { Cataloger, CatalogerOutput, ImageView } from './cataloger.js';
import { DPKG_ID, DPKG_STATUS, isStatusDFile } from './dpkg.js';

export const OS_RELEASE_ID = 'os-release';

const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];
const RELEASE_FILES = new Map([
  ['etc/debian_version', 'DEBIAN_VERSION'],
  ['etc/alpine-release', 'ALPINE_RELEASE'],
]);

/** Parses the shell-like `KEY=value` syntax of os-release(5). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match || match[1] === '__proto__') continue;
    fields[match[1] as string] = unquote(match[2] as string);
  }
  return fields;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\([$"`\\])/g, '$1') : inner;
  }
  return value.replace(/\\(.)/g, '$1');
}

export const osReleaseCataloger: Cataloger = {
  id: OS_RELEASE_ID,
  version: 1,
  wants(path) {
    return OS_RELEASE_PATHS.includes(path) || RELEASE_FILES.has(path);
  },
  parse(path, bytes): CatalogerOutput {
    const text = bytes.toString('utf8');
    const key = RELEASE_FILES.get(path);
    if (key) return { osRelease: { [key]: text.trim() } };
    return { osRelease: parseOsRelease(text) };
  },
};

function releaseFields(view: ImageView, path: string): Record<string, string> | undefined {
  return view.outputsAt(path)?.[OS_RELEASE_ID]?.osRelease;
}

/** `11.1+deb11u1` → `11` (the Debian release a distroless image was built from). */
function debianReleaseFromBaseFiles(view: ImageView): string | undefined {
  for (const file of view.filesOf(DPKG_ID)) {
    const baseFiles = file.output.packages?.find((p) => p.name === 'base-files');
    const major = baseFiles ? /^(\d+)/.exec(baseFiles.version)?.[1] : undefined;
    if (major) return major;
  }
  return undefined;
}

/** The image's OS, from the files the os-release and dpkg catalogers recorded. */
export function detectOs(view: ImageView): OsInfo | undefined {
  const osRelease = OS_RELEASE_PATHS.map((p) => releaseFields(view, p)).find((f) => f?.ID !== undefined);
  const debianVersion = releaseFields(view, 'etc/debian_version')?.DEBIAN_VERSION;
  const alpineRelease = releaseFields(view, 'etc/alpine-release')?.ALPINE_RELEASE;
  const dpkgFiles = view.filesOf(DPKG_ID);
  const hasStatusD = dpkgFiles.some((f) => isStatusDFile(f.path));
  const hasStatus = dpkgFiles.some((f) => f.path === DPKG_STATUS);

  if (osRelease?.ID) {
    const family = osRelease.ID.toLowerCase();
    let version = osRelease.VERSION_ID ?? '';
    if (!version && family === 'debian' && /^\d/.test(debianVersion ?? '')) version = debianVersion as string;
    if (!version && family === 'alpine' && alpineRelease) version = alpineRelease;
    const distroless = osRelease.PRETTY_NAME === 'Distroless' || (hasStatusD && !hasStatus);
    return {
      family,
      version,
      ...(osRelease.PRETTY_NAME ? { name: osRelease.PRETTY_NAME } : {}),
      ...(distroless ? { distroless: true } : {}),
    };
  }
  if (hasStatusD) {
    const version = debianReleaseFromBaseFiles(view) ?? /^(\d+)/.exec(debianVersion ?? '')?.[1] ?? '';
    return { family: 'debian', version, distroless: true };
  }
  if (debianVersion && /^\d/.test(debianVersion)) return { family: 'debian', version: debianVersion };
  if (alpineRelease) return { family: 'alpine', version: alpineRelease };
  return undefined;
}
