/**
 * A keyv store adapter over better-sqlite3: one table of (key, value, expires) in WAL mode.
 * Keyv hands it serialized strings; expired rows are skipped on read and swept on open and hourly.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

const SWEEP_INTERVAL_MS = 3_600_000;

export class KeyvSqliteStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts: { dialect: 'sqlite'; url: string };
  namespace?: string;
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { value: string; expires: number | null }>;
  private readonly setStmt: Database.Statement<[string, string, number | null]>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(readonly file: string) {
    super();
    this.opts = { dialect: 'sqlite', url: `sqlite://${file}` };
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER) WITHOUT ROWID');
    this.getStmt = this.db.prepare('SELECT value, expires FROM kv WHERE key = ?');
    this.setStmt = this.db.prepare('INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires');
    this.deleteStmt = this.db.prepare('DELETE FROM kv WHERE key = ?');
    this.sweepExpired();
    this.sweepTimer = setInterval(() => this.sweepExpired(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    if (row.expires !== null && row.expires <= Date.now()) {
      this.deleteStmt.run(key);
      return undefined;
    }
    return row.value as StoredData<Value>;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    this.setStmt.run(key, text, typeof ttl === 'number' && ttl > 0 ? Date.now() + ttl : null);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteStmt.run(key).changes > 0;
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async clear(): Promise<void> {
    if (this.namespace) this.db.prepare('DELETE FROM kv WHERE key LIKE ?').run(`${this.namespace}:%`);
    else this.db.exec('DELETE FROM kv');
  }

  /** A trivial query: proves the file is open and readable. */
  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  sweepExpired(): void {
    try {
      this.db.prepare('DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?').run(Date.now());
    } catch (e) {
      this.emit('error', e);
    }
  }

  async disconnect(): Promise<void> {
    clearInterval(this.sweepTimer);
    if (this.db.open) this.db.close();
  }
}
