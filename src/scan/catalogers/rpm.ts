/**
 * rpm: the sqlite rpmdb (`rpmdb.sqlite`, rpm ≥ 4.16: Fedora 33+, RHEL 9,
 * Alma/Rocky 9) and the Berkeley DB `Packages` (RHEL/CentOS ≤ 8, Amazon Linux 2).
 * The ndb format (`Packages.db`, SUSE) is not read.
 */
import type { Cataloger, CatalogerOutput, RawPackage } from './cataloger.js';
import { readBdbHeaderBlobs } from './rpm-bdb.js';
import { packageFromHeader } from './rpm-header.js';
import { readSqliteHeaderBlobs } from './rpm-sqlite.js';

const RPM_DIRS = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/', 'usr/share/rpm/'];

function databaseKind(path: string): 'sqlite' | 'bdb' | undefined {
  const dir = RPM_DIRS.find((d) => path.startsWith(d));
  if (!dir) return undefined;
  const name = path.slice(dir.length);
  if (name === 'rpmdb.sqlite') return 'sqlite';
  if (name === 'Packages') return 'bdb';
  return undefined;
}

export const rpmCataloger: Cataloger = {
  id: 'rpm',
  version: 1,
  wants(path) {
    return databaseKind(path) !== undefined;
  },
  parse(path, bytes, ctx): CatalogerOutput {
    const blobs = databaseKind(path) === 'sqlite' ? readSqliteHeaderBlobs(bytes) : readBdbHeaderBlobs(bytes);
    const packages: RawPackage[] = [];
    let unreadable = 0;
    for (const blob of blobs) {
      try {
        const pkg = packageFromHeader(blob);
        if (pkg) packages.push(pkg);
      } catch {
        unreadable++;
      }
    }
    if (unreadable > 0) ctx.warn(`rpm: ${path}: ${unreadable} unreadable package header(s)`);
    return { packages };
  },
};
