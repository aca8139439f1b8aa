/**
 * `portcullis db import SRC... [--db DIR]`, `db update [--config FILE]`, `db status [--db DIR]`.
 *
 * The database directory: `--db`, else `vulndb.path` of the config when one is
 * found (`--config`, `$PORTCULLIS_CONFIG`, `config/portcullis.yaml`), else
 * `./data/vulndb`. Imports are atomic (a failed or interrupted import leaves
 * the previous database); Ctrl-C aborts cleanly. Progress goes to stderr on a
 * TTY only; stdout gets one JSON document.
 */
import { existsSync } from 'node:fs';
import { bool, flag, parseArgs, UsageError } from './args.js';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { importSources, readVulnDbStatus, VulnDbMissingError, type ImportProgress, type ImportResult } from '../scan/vulndb/index.js';

export const DEFAULT_DB_DIR = './data/vulndb';
const OSV_BUCKET = 'https://osv-vulnerabilities.storage.googleapis.com';
/** `db update` without `vulndb.sources`: the public OSV data of the ecosystems the scanner matches */
export const DEFAULT_OSV_SOURCES = ['Debian', 'Alpine', 'npm', 'PyPI', 'Go'].map((e) => `${OSV_BUCKET}/${e}/all.zip`);

const USAGE = 'expected: db import SRC... [--db DIR] | db update [--config FILE] [--db DIR] | db status [--db DIR]';
const DB_USAGE = `usage: portcullis db import SRC... [--db DIR]   add/replace OSV records (SRC: an all.zip, a folder of .json, an http(s) URL of a zip)
       portcullis db update [--config FILE]     fetch and import vulndb.sources (default: the public OSV data for Debian, Alpine, npm, PyPI, Go)
       portcullis db status [--db DIR]          print {version, builtAt, records, ecosystems, sources} as JSON
DIR defaults to vulndb.path of the config (--config, $PORTCULLIS_CONFIG, config/portcullis.yaml if present), else ./data/vulndb.
Imports are atomic: a failed or interrupted one leaves the previous database. Progress goes to stderr on a TTY.`;

/**
 * The config named by `--config` or `$PORTCULLIS_CONFIG` (an error when it cannot be read),
 * else `config/portcullis.yaml` when that file exists, else none.
 */
export function findConfig(configFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): Config | undefined {
  const named = configFlag !== undefined || Boolean(env.PORTCULLIS_CONFIG);
  const file = resolveConfigPath(configFlag, { ...env, PORTCULLIS_CONFIG: env.PORTCULLIS_CONFIG || undefined });
  if (!named && !existsSync(file)) return undefined;
  return loadConfig(file, env);
}

export function resolveDbDir(dbFlag: string | undefined, config: Config | undefined): string {
  return dbFlag ?? config?.vulndb.path ?? DEFAULT_DB_DIR;
}

/** How to get a database, for error messages. */
export function importHint(dbDir: string): string {
  return (
    `import one first: \`portcullis db import SRC... --db ${dbDir}\` (SRC: an OSV all.zip, a folder of OSV .json files, ` +
    `or a URL such as ${OSV_BUCKET}/Debian/all.zip), or \`portcullis db update --config FILE\` to fetch vulndb.sources`
  );
}

function formatBytes(n: number): string {
  return n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;
}

/** One rewritten stderr line, at most 10 times a second; nothing when stderr is not a TTY. */
function progressPrinter(stream: NodeJS.WriteStream): { onProgress?: (p: ImportProgress) => void; done(): void } {
  if (!stream.isTTY) return { done() {} };
  let last = 0;
  let shown = false;
  return {
    onProgress(p) {
      const now = Date.now();
      if (now - last < 100 && p.phase !== 'finalize') return;
      last = now;
      const text =
        p.phase === 'download'
          ? `${p.source}: downloading ${formatBytes(p.done)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`
          : p.phase === 'records'
            ? `${p.source}: ${p.done}${p.total ? ` of ${p.total}` : ''} records`
            : 'writing the database';
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns || 80) - 1)}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

function importSummary(dbDir: string, result: ImportResult) {
  return {
    db: dbDir,
    version: result.status.version,
    previousVersion: result.previousVersion ?? null,
    changed: result.status.version !== result.previousVersion,
    records: result.status.records,
    durationMs: result.durationMs,
    sources: result.sources.map((s) => ({
      source: s.source,
      records: s.records,
      skipped: s.skipped,
      added: s.added,
      replaced: s.replaced,
      unchanged: s.unchanged,
      ...(s.skippedExamples.length > 0 ? { skippedExamples: s.skippedExamples } : {}),
    })),
  };
}

async function runImport(dbDir: string, sources: string[]): Promise<number> {
  const progress = progressPrinter(process.stderr);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted; the previous database is unchanged'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await importSources(dbDir, sources, { signal: abort.signal, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) });
    progress.done();
    process.stdout.write(JSON.stringify(importSummary(dbDir, result), null, 2) + '\n');
    for (const s of result.sources) {
      if (s.skipped > 0) process.stderr.write(`${s.source}: ${s.skipped} invalid record(s) skipped (e.g. ${s.skippedExamples[0] ?? '?'})\n`);
    }
    return 0;
  } catch (e) {
    progress.done();
    const reason = abort.signal.aborted ? (abort.signal.reason as Error).message : (e as Error).message;
    process.stderr.write(`portcullis db: import into ${dbDir} failed: ${reason}\n`);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printStatus(dbDir: string): number {
  try {
    const { version, builtAt, records, ecosystems, sources } = readVulnDbStatus(dbDir);
    process.stdout.write(JSON.stringify({ version, builtAt, records, ecosystems, sources }, null, 2) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof VulnDbMissingError) {
      process.stderr.write(`portcullis db status: no vulnerability database in ${dbDir}; ${importHint(dbDir)}\n`);
      return 2;
    }
    throw e;
  }
}

export async function dbCommand(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['db', 'config'], booleans: ['help'] });
  if (bool(p, 'help')) {
    process.stdout.write(DB_USAGE + '\n');
    return 0;
  }
  const [sub, ...rest] = p.positional;
  // the config matters for the directory (without --db) and for update's sources
  const needsConfig = sub === 'update' || flag(p, 'db') === undefined || flag(p, 'config') !== undefined;
  const config = needsConfig ? findConfig(flag(p, 'config')) : undefined;
  const dbDir = resolveDbDir(flag(p, 'db'), config);
  switch (sub) {
    case 'import':
      if (rest.length === 0) throw new UsageError('db import needs at least one SRC (an OSV all.zip, a folder of .json files, or an http(s) URL)');
      return runImport(dbDir, rest);
    case 'update': {
      if (rest.length > 0) throw new UsageError('db update takes no arguments; it fetches vulndb.sources of the config');
      const sources = config?.vulndb.sources.length ? [...config.vulndb.sources] : DEFAULT_OSV_SOURCES;
      if (!config?.vulndb.sources.length) process.stderr.write(`portcullis db update: no vulndb.sources configured; fetching the public OSV data (${sources.length} ecosystems)\n`);
      return runImport(dbDir, sources);
    }
    case 'status':
      if (rest.length > 0) throw new UsageError('db status takes no arguments');
      return printStatus(dbDir);
    default:
      throw new UsageError(USAGE);
  }
}
