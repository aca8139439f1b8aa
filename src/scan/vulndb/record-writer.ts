/** Writes validated records into the tables of store-schema.ts with prepared statements. */
import type { Database, Statement } from 'better-sqlite3';
import type { OsvRecord } from './osv-record.js';
import { rowsForRecord } from './record-rows.js';

export type PutOutcome = 'added' | 'replaced' | 'unchanged';

export class RecordWriter {
  private readonly find: Statement<[string, string], { rid: number; sha256: string }>;
  private readonly insert: Statement<[string, string, string, string, number, string]>;
  private readonly update: Statement<[string, string, number, string, number]>;
  private readonly unindex: Statement<[number]>;
  private readonly index: Statement<[string, string, number]>;

  constructor(private readonly db: Database) {
    this.find = db.prepare('SELECT rid, sha256 FROM records WHERE id = ? AND ecosystem = ?');
    this.insert = db.prepare('INSERT INTO records (id, ecosystem, modified, sha256, withdrawn, json) VALUES (?, ?, ?, ?, ?, ?)');
    this.update = db.prepare('UPDATE records SET modified = ?, sha256 = ?, withdrawn = ?, json = ? WHERE rid = ?');
    this.unindex = db.prepare('DELETE FROM package_index WHERE rid = ?');
    this.index = db.prepare('INSERT OR IGNORE INTO package_index (ecosystem, name_key, rid) VALUES (?, ?, ?)');
  }

  inTransaction(work: () => void): void {
    this.db.transaction(work)();
  }

  /** Adds or replaces the record's rows; the outcome of a multi-ecosystem record is its "largest" change. */
  put(record: OsvRecord): PutOutcome {
    let outcome: PutOutcome = 'unchanged';
    for (const row of rowsForRecord(record)) {
      const existing = this.find.get(row.id, row.ecosystem);
      let rid: number;
      if (existing === undefined) {
        rid = Number(this.insert.run(row.id, row.ecosystem, row.modified, row.sha256, row.withdrawn ? 1 : 0, row.json).lastInsertRowid);
        outcome = 'added';
      } else if (existing.sha256 === row.sha256) {
        continue;
      } else {
        rid = existing.rid;
        this.update.run(row.modified, row.sha256, row.withdrawn ? 1 : 0, row.json, rid);
        this.unindex.run(rid);
        if (outcome === 'unchanged') outcome = 'replaced';
      }
      if (row.withdrawn || row.ecosystem === '') continue;
      for (const key of row.nameKeys) this.index.run(row.ecosystem, key, rid);
    }
    return outcome;
  }
}
