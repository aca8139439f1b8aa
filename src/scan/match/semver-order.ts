/**
 * SemVer 2.0 precedence (semver.org §11), the order OSV `SEMVER` ranges use.
 * Lenient on input the way real versions arrive: a leading `v` (Go modules) or
 * `go` (Go toolchain `go1.21.3`) is dropped, missing minor/patch count as 0,
 * build metadata is ignored. Throws on a string with no numeric core.
 */
import type { VersionComparer } from '../versions/index.js';

interface ParsedSemver {
  core: number[];
  prerelease: string[];
}

const SEMVER = /^(?:v|go)?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]*)?$/;

function parse(version: string): ParsedSemver {
  const m = SEMVER.exec(version.trim());
  if (!m) throw new Error(`not a semantic version: ${JSON.stringify(version)}`);
  const core = m[1]!.split('.').map(Number);
  while (core.length < 3) core.push(0);
  return { core, prerelease: m[2] === undefined ? [] : m[2].split('.') };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const d = BigInt(a) - BigInt(b);
    return d === 0n ? 0 : d < 0n ? -1 : 1;
  }
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareSemver(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.core.length, pb.core.length); i++) {
    const d = (pa.core[i] ?? 0) - (pb.core[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (pa.prerelease.length === 0 || pb.prerelease.length === 0) {
    return pa.prerelease.length === pb.prerelease.length ? 0 : pa.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(pa.prerelease.length, pb.prerelease.length); i++) {
    const d = compareIdentifiers(pa.prerelease[i]!, pb.prerelease[i]!);
    if (d !== 0) return d;
  }
  return Math.sign(pa.prerelease.length - pb.prerelease.length);
}

export const semverComparer: VersionComparer = { compare: compareSemver };
