/**
 * The tokens file (`auth.tokensFile`): JSON holding, per token, its name, the sha256 of its secret,
 * its scopes and its creation and expiry times — never the token itself. Written atomically
 * (temp file + rename) with mode 0600; updates are serialised with a lock file.
 *
 *   {"version":1,"tokens":[{"id":"…","name":"ci","hash":"sha256:…","scopes":["pull:library/*"],
 *                          "created":"2026-01-01T00:00:00.000Z","expires":"2026-03-31T00:00:00.000Z"}]}
 *
 * Deleting an entry (by hand or with `portcullis token revoke`) revokes the token.
 */
import { open, readFile, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { parseScope, ScopeError } from './scopes.js';

export const TOKEN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');
const scopeText = z.string().superRefine((s, ctx) => {
  try { parseScope(s); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as ScopeError).message }); }
});

const entrySchema = z.strictObject({
  id: z.string().min(1).max(64),
  name: z.string().regex(TOKEN_NAME_RE, 'token names are [A-Za-z0-9._-], at most 64 characters'),
  hash: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 hex>'),
  scopes: z.array(scopeText).min(1),
  created: isoTime,
  expires: isoTime.nullable(),
});

const fileSchema = z.strictObject({ version: z.literal(1), tokens: z.array(entrySchema) });

export type TokenEntry = z.output<typeof entrySchema>;

export class TokensFileError extends Error {}

export function parseTokensFile(text: string, file = 'tokens file'): TokenEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TokensFileError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new TokensFileError(`${file}: ${first.path.join('.') || '(root)'}: ${first.message}`);
  }
  const seen = new Set<string>();
  for (const t of parsed.data.tokens) {
    if (seen.has(t.name)) throw new TokensFileError(`${file}: token name ${JSON.stringify(t.name)} appears twice`);
    seen.add(t.name);
  }
  return parsed.data.tokens;
}

export function serialiseTokens(entries: readonly TokenEntry[]): string {
  return JSON.stringify({ version: 1, tokens: entries }, null, 2) + '\n';
}

/** The entries in `file`; a missing file holds none. */
export async function readTokensFile(file: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TokensFileError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseTokensFile(text, file);
}

/** Atomic replace with mode 0600 (owner read/write only). */
export async function writeTokensFile(file: string, entries: readonly TokenEntry[]): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, serialiseTokens(entries), { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

async function acquireLock(lock: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const h = await open(lock, 'wx', 0o600);
      await h.close();
      return () => rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) { await rm(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new TokensFileError(`${lock} is held by another process (remove it if no token command is running)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Read-modify-write under the lock; `change` returns the new entries. */
export async function updateTokensFile<T>(file: string, change: (entries: TokenEntry[]) => { entries: TokenEntry[]; result: T }): Promise<T> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const release = await acquireLock(`${file}.lock`);
  try {
    const { entries, result } = change(await readTokensFile(file));
    await writeTokensFile(file, entries);
    return result;
  } finally {
    await release();
  }
}
