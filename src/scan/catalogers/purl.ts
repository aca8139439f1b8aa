/** Package URLs (github.com/package-url/purl-spec) for the kinds the catalogers produce. */
import type { OsInfo } from '../types.js';
import type { RawPackage } from './cataloger.js';

/** Percent-encodes one purl segment (`+` → %2B, `:` → %3A, `@` → %40). */
function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function qualifiers(pairs: Record<string, string | undefined>): string {
  const parts = Object.entries(pairs)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${enc(value)}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function purlFor(pkg: RawPackage, os: OsInfo | undefined): string {
  switch (pkg.kind) {
    case 'deb': {
      const vendor = os?.family === 'ubuntu' ? 'ubuntu' : 'debian';
      const distro = os?.version ? `${vendor}-${os.version}` : undefined;
      return `pkg:deb/${vendor}/${enc(pkg.name)}@${enc(pkg.version)}${qualifiers({ arch: pkg.arch, distro })}`;
    }
    case 'apk': {
      const vendor = os?.family === 'wolfi' || os?.family === 'chainguard' ? os.family : 'alpine';
      return `pkg:apk/${vendor}/${enc(pkg.name)}@${enc(pkg.version)}${qualifiers({ arch: pkg.arch })}`;
    }
    case 'rpm': {
      const vendor = enc(os?.family ?? 'rpm');
      const distro = os?.version ? `${os.family}-${os.version}` : undefined;
      const epoch = pkg.epoch ? String(pkg.epoch) : undefined;
      // the purl version is version-release; the epoch is a qualifier
      const version = pkg.version.replace(/^\d+:/, '');
      return `pkg:rpm/${vendor}/${enc(pkg.name)}@${enc(version)}${qualifiers({ arch: pkg.arch, epoch, distro })}`;
    }
    case 'npm': {
      const slash = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
      const path = slash > 0 ? `${enc(pkg.name.slice(0, slash))}/${enc(pkg.name.slice(slash + 1))}` : enc(pkg.name);
      return `pkg:npm/${path}@${enc(pkg.version)}`;
    }
    case 'pypi':
      return `pkg:pypi/${enc(normalizePypiName(pkg.name))}@${enc(pkg.version)}`;
    case 'golang': {
      const path = pkg.name.split('/').map(enc).join('/');
      const version = pkg.name === 'stdlib' ? pkg.version : `v${pkg.version}`;
      return `pkg:golang/${path}@${enc(version)}`;
    }
    case 'maven': {
      const [group = '', artifact = pkg.name] = pkg.name.split(':');
      return `pkg:maven/${enc(group)}/${enc(artifact)}@${enc(pkg.version)}`;
    }
  }
}
