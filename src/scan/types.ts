/**
 * The types shared by the image reader, the catalogers, the matchers and the
 * vulnerability database. Catalogers and matchers import only this file from
 * each other's side of the seam (Trivy's analyzer/detector split).
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

/** Package kinds a cataloger can produce; the OSV ecosystem is derived from kind + OS. */
export type PackageKind = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'golang' | 'maven';

export interface OsInfo {
  /** os-release ID: debian, ubuntu, alpine, wolfi, rhel, … */
  family: string;
  /** VERSION_ID (alpine: 3.19.1, debian: 12) */
  version: string;
  /** PRETTY_NAME when present */
  name?: string;
  /** true for distroless images (dpkg status.d, no shell) */
  distroless?: boolean;
}

export interface Package {
  name: string;
  version: string;
  kind: PackageKind;
  /** OSV ecosystem: `Debian:12`, `Alpine:v3.19`, `npm`, `PyPI`, `Go`, … */
  ecosystem: string;
  /** dpkg Source / apk origin — what Debian and Alpine advisories name */
  source?: string;
  sourceVersion?: string;
  purl: string;
  /** digest of the layer that introduced this package (same name+version first seen) */
  layer?: string;
  /** file inside the image that declared it, without a leading slash */
  path: string;
}

export interface Cvss {
  version: string;
  vector: string;
  score: number;
}

/** One vulnerability affecting one package (aliases and upstream ids merged). */
export interface Finding {
  id: string;
  aliases: string[];
  package: string;
  version: string;
  ecosystem: string;
  /** the name the advisory used (source package for Debian/Alpine) */
  advisoryPackage?: string;
  fixedVersion?: string;
  severity: Severity;
  cvss?: Cvss;
  summary?: string;
  layer?: string;
  path?: string;
}

export interface Report {
  target: string;
  digest: string;
  platform?: string;
  os?: OsInfo;
  packages: Package[];
  vulnerabilities: Finding[];
  dbVersion: string;
  scannedAt: string;
  scanner: { version: string };
  /** non-fatal problems met while scanning (a file over the size cap, an unreadable database, …) */
  warnings?: string[];
}
