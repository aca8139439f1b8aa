/**
 * Turning a validated OSV record into database rows (one per affected
 * ecosystem, see store-schema.ts) and computing the content version.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { OsvAffected, OsvRecord } from './osv-record.js';
import { normalisePackageName } from './package-names.js';

export interface RecordRow {
  id: string;
  /** '' for a record that names no package */
  ecosystem: string;
  modified: string;
  withdrawn: boolean;
  json: string;
  sha256: string;
  /** normalised names of the packages this row affects (index keys) */
  nameKeys: string[];
}

export function rowsForRecord(record: OsvRecord): RecordRow[] {
  const affected = record.affected ?? [];
  const byEcosystem = new Map<string, OsvAffected[]>();
  const packageless: OsvAffected[] = [];
  for (const a of affected) {
    if (!a.package) {
      packageless.push(a);
      continue;
    }
    const list = byEcosystem.get(a.package.ecosystem);
    if (list) list.push(a);
    else byEcosystem.set(a.package.ecosystem, [a]);
  }
  if (byEcosystem.size === 0) return [makeRow(record, '', record)];
  if (byEcosystem.size === 1) {
    const [ecosystem] = byEcosystem.keys();
    return [makeRow(record, ecosystem!, record)];
  }
  return [...byEcosystem].map(([ecosystem, list]) => makeRow(record, ecosystem, { ...record, affected: [...list, ...packageless] }));
}

function makeRow(original: OsvRecord, ecosystem: string, stored: OsvRecord): RecordRow {
  const json = JSON.stringify(stored);
  const names = new Set<string>();
  for (const a of stored.affected ?? []) if (a.package) names.add(normalisePackageName(ecosystem, a.package.name));
  return {
    id: original.id,
    ecosystem,
    modified: original.modified,
    withdrawn: original.withdrawn !== undefined,
    json,
    sha256: createHash('sha256').update(json).digest('hex'),
    nameKeys: [...names],
  };
}

/**
 * sha256 over the sorted (id, ecosystem, modified, sha256-of-row) of every row:
 * the same records give the same version, whatever their source or import order.
 */
export function computeContentVersion(db: Database): string {
  const hash = createHash('sha256');
  const rows = db.prepare('SELECT id, ecosystem, modified, sha256 FROM records ORDER BY id, ecosystem').raw().iterate() as IterableIterator<string[]>;
  for (const [id, ecosystem, modified, sha] of rows) hash.update(`${id}\u0000${ecosystem}\u0000${modified}\u0000${sha}\n`);
  return `sha256:${hash.digest('hex')}`;
}
