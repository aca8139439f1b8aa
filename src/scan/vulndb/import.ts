/**
 * `importSources`: adds/replaces OSV records in the database of `dbDir`.
 *
 * Atomic: the current database file is copied to a temporary file in the same
 * directory, the sources are applied to the copy, and the copy is renamed over
 * the current file. Any failure (missing source, HTTP error, interrupted
 * download, damaged zip, crash) leaves the previous file untouched; readers
 * that have it open keep their (old) file. Invalid records are skipped and
 * counted, never fatal.
 *
 * The work is synchronous SQLite, but the event loop is given back between
 * batches so a gateway stays responsive while it imports.
 */
import { copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { downloadToFile, redactUrl } from './download.js';
import { acquireImportLock, TEMP_SUFFIX } from './import-lock.js';
import { validateOsvRecord } from './osv-record.js';
import { isUrl, openLocalSource, type OpenedSource } from './record-sources.js';
import { RecordWriter } from './record-writer.js';
import { computeContentVersion } from './record-rows.js';
import { DB_FILE_NAME, readMeta, SCHEMA_SQL, statusFromMeta, STORE_FORMAT, type SourceStatus, type VulnDbStatus } from './store-schema.js';

export interface ImportProgress {
  source: string;
  phase: 'download' | 'records' | 'finalize';
  /** bytes (download) or files read (records) */
  done: number;
  total?: number;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** records per transaction; the event loop runs between batches */
  batchSize?: number;
}

export interface SourceImportResult extends SourceStatus {
  added: number;
  replaced: number;
  unchanged: number;
  /** the first few reasons records were skipped ("FILE: path: message") */
  skippedExamples: string[];
}

export interface ImportResult {
  status: VulnDbStatus;
  previousVersion: string | undefined;
  sources: SourceImportResult[];
  durationMs: number;
}

export async function importSources(dbDir: string, sources: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  if (sources.length === 0) throw new Error('no sources to import');
  const started = performance.now();
  mkdirSync(dbDir, { recursive: true });
  const release = acquireImportLock(dbDir);
  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const current = join(dbDir, DB_FILE_NAME);
  const temp = join(dbDir, `${DB_FILE_NAME}.${token}${TEMP_SUFFIX}`);
  let db: Database.Database | undefined;
  try {
    if (existsSync(current)) copyFileSync(current, temp);
    db = new Database(temp);
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    const meta = readExistingMeta(db);
    const previousVersion = meta.get('version');
    const writer = new RecordWriter(db);
    const results: SourceImportResult[] = [];
    for (const [i, source] of sources.entries()) {
      opts.signal?.throwIfAborted();
      const download = join(dbDir, `download-${i}.${token}${TEMP_SUFFIX}`);
      try {
        const opened = await openSource(source, download, opts);
        try {
          results.push(await importOne(opened, writer, opts));
        } finally {
          opened.close();
        }
      } finally {
        rmSync(download, { force: true });
      }
    }
    opts.onProgress?.({ source: '', phase: 'finalize', done: 0 });
    const status = writeMeta(db, statusFromMeta(meta).sources, results);
    db.pragma('journal_mode = DELETE');
    db.close();
    db = undefined;
    fsyncPath(temp);
    renameSync(temp, current);
    fsyncPath(dbDir);
    return { status, previousVersion, sources: results, durationMs: Math.round(performance.now() - started) };
  } finally {
    db?.close();
    rmSync(temp, { force: true });
    release();
  }
}

function readExistingMeta(db: Database.Database): Map<string, string> {
  db.exec(SCHEMA_SQL);
  const meta = readMeta(db);
  const format = meta.get('format');
  if (format !== undefined && format !== STORE_FORMAT) {
    throw new Error(`the database is in format ${format}, this version reads format ${STORE_FORMAT}: remove it and import again`);
  }
  return meta;
}

async function openSource(source: string, downloadPath: string, opts: ImportOptions): Promise<OpenedSource> {
  if (!isUrl(source)) return openLocalSource(source);
  const label = redactUrl(source);
  await downloadToFile(source, downloadPath, {
    signal: opts.signal,
    onBytes: (done, total) => opts.onProgress?.({ source: label, phase: 'download', done, total }),
  });
  return openLocalSource(downloadPath, label);
}

async function importOne(source: OpenedSource, writer: RecordWriter, opts: ImportOptions): Promise<SourceImportResult> {
  const batchSize = opts.batchSize ?? 2000;
  const result: SourceImportResult = {
    source: source.label,
    importedAt: '',
    records: 0,
    skipped: 0,
    added: 0,
    replaced: 0,
    unchanged: 0,
    skippedExamples: [],
  };
  const skip = (name: string, reason: string): void => {
    result.skipped++;
    if (result.skippedExamples.length < 20) result.skippedExamples.push(`${name}: ${reason}`);
  };
  const items = source.items();
  let read = 0;
  for (let done = false; !done; ) {
    opts.signal?.throwIfAborted();
    writer.inTransaction(() => {
      for (let n = 0; n < batchSize; n++) {
        const next = items.next();
        if (next.done) {
          done = true;
          return;
        }
        read++;
        const item = next.value;
        if ('error' in item) {
          skip(item.name, item.error);
          continue;
        }
        const validation = validateOsvRecord(item.value);
        if (!validation.ok) {
          skip(item.name, validation.reason);
          continue;
        }
        result.records++;
        const outcome = writer.put(validation.record);
        result[outcome]++;
      }
    });
    opts.onProgress?.({ source: source.label, phase: 'records', done: read, total: source.total });
    await new Promise((r) => setImmediate(r));
  }
  result.importedAt = new Date().toISOString();
  return result;
}

function writeMeta(db: Database.Database, previous: SourceStatus[], results: SourceImportResult[]): VulnDbStatus {
  const sources = previous.filter((p) => !results.some((r) => r.source === p.source));
  for (const r of results) sources.push({ source: r.source, importedAt: r.importedAt, records: r.records, skipped: r.skipped });
  const counts = db.prepare("SELECT ecosystem, COUNT(*) AS n FROM records WHERE ecosystem != '' GROUP BY ecosystem ORDER BY ecosystem").all() as { ecosystem: string; n: number }[];
  const totals = db.prepare('SELECT COUNT(DISTINCT id) AS records, COUNT(DISTINCT CASE WHEN withdrawn = 1 THEN id END) AS withdrawn FROM records').get() as { records: number; withdrawn: number };
  const values: Record<string, string> = {
    format: STORE_FORMAT,
    version: computeContentVersion(db),
    builtAt: new Date().toISOString(),
    records: String(totals.records),
    withdrawn: String(totals.withdrawn),
    ecosystems: JSON.stringify(Object.fromEntries(counts.map((c) => [c.ecosystem, c.n]))),
    sources: JSON.stringify(sources),
  };
  const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    for (const [k, v] of Object.entries(values)) put.run(k, v);
  })();
  return statusFromMeta(new Map(Object.entries(values)));
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
