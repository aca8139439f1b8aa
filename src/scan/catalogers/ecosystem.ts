/**
 * OsInfo + package kind → OSV ecosystem string (ossf/osv-schema ecosystems.json).
 * An empty string means "no OSV ecosystem known": matchers cannot match it and
 * the image reader reports a warning.
 */
import type { OsInfo, PackageKind } from '../types.js';

const LANGUAGE_ECOSYSTEMS: Partial<Record<PackageKind, string>> = {
  npm: 'npm',
  pypi: 'PyPI',
  golang: 'Go',
  maven: 'Maven',
};

function major(version: string): string | undefined {
  return /^(\d+)/.exec(version)?.[1];
}

function majorMinor(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match ? `${match[1]}.${match[2]}` : undefined;
}

function debEcosystem(os: OsInfo): string {
  switch (os.family) {
    case 'debian': {
      const release = major(os.version);
      return release ? `Debian:${release}` : 'Debian';
    }
    case 'ubuntu': {
      const release = majorMinor(os.version);
      if (!release) return 'Ubuntu';
      // osv-schema: "a mandatory `:LTS` suffix if the release is marked as LTS"
      return /\bLTS\b/.test(os.name ?? '') ? `Ubuntu:${release}:LTS` : `Ubuntu:${release}`;
    }
    default:
      return '';
  }
}

function apkEcosystem(os: OsInfo): string {
  switch (os.family) {
    case 'alpine': {
      const release = majorMinor(os.version);
      return release ? `Alpine:v${release}` : '';
    }
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    default:
      return '';
  }
}

function rpmEcosystem(os: OsInfo): string {
  const release = major(os.version);
  switch (os.family) {
    case 'almalinux':
      return release ? `AlmaLinux:${release}` : 'AlmaLinux';
    case 'rocky':
      return release ? `Rocky Linux:${release}` : 'Rocky Linux';
    case 'mageia':
      return release ? `Mageia:${release}` : '';
    case 'photon':
      return majorMinor(os.version) ? `Photon OS:${majorMinor(os.version)}` : '';
    case 'azurelinux':
      return majorMinor(os.version) ? `Azure Linux:${majorMinor(os.version)}` : '';
    default:
      // Red Hat needs a CPE from content manifests; openSUSE/SUSE need product names
      return '';
  }
}

export function ecosystemFor(kind: PackageKind, os: OsInfo | undefined): string {
  const language = LANGUAGE_ECOSYSTEMS[kind];
  if (language) return language;
  if (!os) return '';
  switch (kind) {
    case 'deb':
      return debEcosystem(os);
    case 'apk':
      return apkEcosystem(os);
    case 'rpm':
      return rpmEcosystem(os);
    default:
      return '';
  }
}
