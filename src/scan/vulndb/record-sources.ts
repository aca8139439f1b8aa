/**
 * Reading OSV records out of an import source: an `all.zip`, a folder of
 * `.json` files (walked recursively), a single `.json` file, or an http(s) URL
 * of a zip (streamed to a temporary file first). A file holding a JSON array
 * yields each element as a record.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ZipReader } from './zip-reader.js';

/** One record's raw bytes, or why it could not be read (counted as skipped). */
export type SourceItem = { name: string; value: unknown } | { name: string; error: string };

export interface OpenedSource {
  /** absolute path or URL, as recorded in status */
  label: string;
  /** number of files to read (progress total) */
  total: number;
  items(): Generator<SourceItem>;
  close(): void;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Opens a local zip, folder or .json file. Throws when the source is missing or not a zip. */
export function openLocalSource(path: string, label = resolve(path)): OpenedSource {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    const files = listJsonFiles(path);
    return {
      label,
      total: files.length,
      *items() {
        for (const file of files) yield* parseJsonFile(relative(path, file), readFileSync(file));
      },
      close() {},
    };
  }
  if (path.toLowerCase().endsWith('.json')) {
    return {
      label,
      total: 1,
      *items() {
        yield* parseJsonFile(path, readFileSync(path));
      },
      close() {},
    };
  }
  const zip = new ZipReader(path);
  const entries = zip.entries.filter((e) => e.name.toLowerCase().endsWith('.json') && !e.name.endsWith('/'));
  return {
    label,
    total: entries.length,
    *items() {
      for (const entry of entries) yield* parseJsonFile(entry.name, zip.read(entry));
    },
    close() {
      zip.close();
    },
  };
}

function* parseJsonFile(name: string, bytes: Buffer): Generator<SourceItem> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    yield { name, error: `not JSON: ${(err as Error).message}` };
    return;
  }
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield { name: `${name}[${i}]`, value: v };
  else yield { name, value };
}

function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) out.push(full);
    }
  };
  walk(dir);
  return out;
}
