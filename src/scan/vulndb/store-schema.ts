/**
 * The on-disk layout of the vulnerability database (one SQLite file).
 *
 * records        one row per (OSV id, affected ecosystem): the record with its
 *                `affected` list cut down to that ecosystem, as JSON text. The
 *                same id can arrive from several per-release bulk files with
 *                different content (`ALPINE-CVE-…` in both Alpine:v3.10 and
 *                Alpine:v3.11 zips), so a record replaces what was stored for
 *                its id *in the ecosystems it names* and leaves the others.
 *                Records without any affected package are kept under ''.
 * package_index  (ecosystem, normalised package name) → records.rid, so a
 *                lookup never reads records of other packages. Withdrawn
 *                records are stored (a later import may replace them) but not indexed.
 * meta           version, builtAt, sources, counts — `status()` reads only this.
 */
import type { Database } from 'better-sqlite3';

export const DB_FILE_NAME = 'osv.sqlite';
export const STORE_FORMAT = '1';

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  ecosystem TEXT NOT NULL,
  modified TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  withdrawn INTEGER NOT NULL,
  json TEXT NOT NULL,
  UNIQUE (id, ecosystem)
);
CREATE TABLE IF NOT EXISTS package_index (
  ecosystem TEXT NOT NULL,
  name_key TEXT NOT NULL,
  rid INTEGER NOT NULL,
  PRIMARY KEY (ecosystem, name_key, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS package_index_by_rid ON package_index (rid);
`;

/** What one source contributed in the import that last read it. */
export interface SourceStatus {
  /** absolute path, or the URL without credentials */
  source: string;
  importedAt: string;
  /** valid records read (before splitting per ecosystem) */
  records: number;
  /** records skipped as unparsable or schema-invalid */
  skipped: number;
}

export interface VulnDbStatus {
  /** content hash: changes exactly when the stored records change */
  version: string;
  builtAt: string;
  /** distinct OSV ids stored (withdrawn included) */
  records: number;
  withdrawn: number;
  /** affected ecosystem (as written in the records, e.g. `Debian:12`) → distinct ids */
  ecosystems: Record<string, number>;
  sources: SourceStatus[];
  /** sum of `skipped` over the sources' latest imports */
  skipped: number;
}

export function readMeta(db: Database): Map<string, string> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

export function statusFromMeta(meta: Map<string, string>): VulnDbStatus {
  const json = <T>(key: string, fallback: T): T => {
    const v = meta.get(key);
    return v === undefined ? fallback : (JSON.parse(v) as T);
  };
  const sources = json<SourceStatus[]>('sources', []);
  return {
    version: meta.get('version') ?? '',
    builtAt: meta.get('builtAt') ?? '',
    records: Number(meta.get('records') ?? 0),
    withdrawn: Number(meta.get('withdrawn') ?? 0),
    ecosystems: json<Record<string, number>>('ecosystems', {}),
    sources,
    skipped: sources.reduce((n, s) => n + s.skipped, 0),
  };
}
