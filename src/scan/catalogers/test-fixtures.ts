/** Test helpers: fixture files under test/fixtures/catalogers, a recording ParseContext. */
import { readFileSync } from 'node:fs';
import type { ParseContext } from './cataloger.js';

export const CATALOGER_FIXTURES = new URL('../../../test/fixtures/catalogers/', import.meta.url);

export function fixture(relativePath: string): Buffer {
  return readFileSync(new URL(relativePath, CATALOGER_FIXTURES));
}

export function recordingContext(): ParseContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (message: string) => warnings.push(message) };
}

/** The `-- path --` sections of a txtar archive (golang.org/x/tools/txtar). */
export function txtarFiles(text: string): Map<string, string> {
  const files = new Map<string, string>();
  const parts = text.split(/^-- (.+) --$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) files.set(parts[i] as string, (parts[i + 1] as string).replace(/^\n/, ''));
  return files;
}
