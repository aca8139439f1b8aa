/**
 * The read side: `openVulnDb(dbDir)` opens the database read-only in
 * constant time (nothing is loaded up front; lookups are prepared statements
 * over the package index). An import replaces the file by rename, so an open
 * handle keeps reading the old, consistent file until `reopenIfChanged()`.
 */
import { existsSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { OsvRecord } from './osv-record.js';
import { ecosystemsApplyingTo, normalisePackageName } from './package-names.js';
import { DB_FILE_NAME, readMeta, statusFromMeta, STORE_FORMAT, type VulnDbStatus } from './store-schema.js';

/** What the matcher needs from a database (tests may pass a fake). */
export interface VulnLookup {
  /**
   * Non-withdrawn records naming `name` (normalised per ecosystem) for a
   * package of `ecosystem`: records of that exact ecosystem string, and of its
   * base name when it has a release suffix (`Debian:12` → `Debian:12`, `Debian`).
   * A record's `affected` list holds only the entries of its stored ecosystem.
   * The records returned are shared (cached): callers must not modify them.
   */
  lookup(ecosystem: string, name: string): OsvRecord[];
}

export class VulnDbMissingError extends Error {
  override name = 'VulnDbMissingError';
}

interface OpenedFile {
  db: Database.Database;
  lookup: Database.Statement<[string, string], { rid: number; json: string }>;
  status: VulnDbStatus;
  stat: Stats;
}

/** parsed lookups kept (least recently used dropped first): `stdlib`, `openssl`, … recur in every scan */
const LOOKUP_CACHE_SIZE = 4096;

export class VulnDb implements VulnLookup {
  readonly path: string;
  private file: OpenedFile;
  private readonly cache = new Map<string, OsvRecord[]>();

  constructor(readonly dbDir: string) {
    this.path = join(dbDir, DB_FILE_NAME);
    this.file = openFile(this.path);
  }

  /** content version of the open file (see `status().version`) */
  get version(): string {
    return this.file.status.version;
  }

  status(): VulnDbStatus {
    return this.file.status;
  }

  lookup(ecosystem: string, name: string): OsvRecord[] {
    const key = `${ecosystem}\u0000${name}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const records = this.query(ecosystem, name);
    this.cache.set(key, records);
    if (this.cache.size > LOOKUP_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return records;
  }

  private query(ecosystem: string, name: string): OsvRecord[] {
    const seen = new Set<number>();
    const out: OsvRecord[] = [];
    for (const eco of ecosystemsApplyingTo(ecosystem)) {
      for (const row of this.file.lookup.iterate(eco, normalisePackageName(eco, name))) {
        if (seen.has(row.rid)) continue;
        seen.add(row.rid);
        out.push(JSON.parse(row.json) as OsvRecord);
      }
    }
    return out;
  }

  /** True when the file on disk is another one than the open one (an import finished). */
  changedOnDisk(): boolean {
    let now: Stats;
    try {
      now = statSync(this.path);
    } catch {
      return false;
    }
    const was = this.file.stat;
    return now.ino !== was.ino || now.dev !== was.dev || now.size !== was.size || now.mtimeMs !== was.mtimeMs;
  }

  /**
   * Opens the current file when it changed on disk and closes the old one.
   * Returns true when it switched. If the new file cannot be opened the old one
   * stays in use and the error is thrown.
   */
  reopenIfChanged(): boolean {
    if (!this.changedOnDisk()) return false;
    const next = openFile(this.path);
    const old = this.file;
    this.file = next;
    this.cache.clear();
    old.db.close();
    return true;
  }

  close(): void {
    this.file.db.close();
  }
}

/**
 * Checks every `intervalMs` whether an import replaced the file and reopens it
 * (timer unref'd: it never keeps a process alive). Returns a function that stops it.
 */
export function reloadOnChange(db: VulnDb, intervalMs: number, onReload?: (version: string) => void, onError?: (err: unknown) => void): () => void {
  const timer = setInterval(() => {
    try {
      if (db.reopenIfChanged()) onReload?.(db.version);
    } catch (err) {
      onError?.(err);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function vulnDbExists(dbDir: string): boolean {
  return existsSync(join(dbDir, DB_FILE_NAME));
}

export function openVulnDb(dbDir: string): VulnDb {
  return new VulnDb(dbDir);
}

/** `db status`: the status of the database in `dbDir` (throws VulnDbMissingError when there is none). */
export function readVulnDbStatus(dbDir: string): VulnDbStatus {
  const db = openVulnDb(dbDir);
  try {
    return db.status();
  } finally {
    db.close();
  }
}

function openFile(path: string): OpenedFile {
  if (!existsSync(path)) throw new VulnDbMissingError(`no vulnerability database at ${path}: run \`portcullis db import\` or \`db update\``);
  const stat = statSync(path);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const meta = readMeta(db);
    if (meta.get('format') !== STORE_FORMAT) throw new Error(`${path} is not a vulnerability database in format ${STORE_FORMAT}`);
    const lookup = db.prepare<[string, string], { rid: number; json: string }>(
      'SELECT r.rid AS rid, r.json AS json FROM package_index p JOIN records r ON r.rid = p.rid WHERE p.ecosystem = ? AND p.name_key = ? ORDER BY r.id',
    );
    return { db, lookup, status: statusFromMeta(meta), stat };
  } catch (err) {
    db.close();
    throw err;
  }
}
