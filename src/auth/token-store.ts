/**
 * The live set of tokens, loaded from the tokens file and reloaded when it changes (fs.watch on the
 * directory, so atomic renames are seen, plus a periodic stat as a fallback for filesystems where
 * watching is unreliable). No restart is needed to add, change or revoke a token.
 *
 * Fail closed: a tokens file that cannot be parsed after a change leaves *no* token valid until
 * it is fixed (logged as an error); a missing file holds no tokens.
 *
 * Lookup hashes the presented secret and finds the entry by hash. The map lookup sees only the
 * hash (useless to an attacker without a preimage); the final comparison is constant-time.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../log.js';
import { hashToken, hashesEqual } from './token-secret.js';
import { parseScopes, type Scope } from './scopes.js';
import { parseTokensFile, TokensFileError, type TokenEntry } from './tokens-file.js';

export interface StoredToken {
  id: string;
  name: string;
  hash: string;
  /** `hash` as bytes, for the constant-time comparison */
  hashBytes: Buffer;
  scopes: Scope[];
  /** ms since epoch; null = never */
  expiresAt: number | null;
}

export interface TokenStoreEvents {
  /** a new set of tokens is in force (`count` tokens) */
  reload: [count: number];
  /** the file changed but could not be loaded: no token is valid until it is fixed */
  reloadFailed: [message: string];
}

function toStored(e: TokenEntry): StoredToken {
  return { id: e.id, name: e.name, hash: e.hash, hashBytes: Buffer.from(e.hash, 'latin1'), scopes: parseScopes(e.scopes), expiresAt: e.expires === null ? null : Date.parse(e.expires) };
}

export class TokenStore extends EventEmitter<TokenStoreEvents> {
  private byHash = new Map<string, StoredToken>();
  private byId = new Map<string, StoredToken>();
  private contentHash = '';
  private statKey = '';
  private watcher?: FSWatcher;
  private poller?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private reloading: Promise<void> = Promise.resolve();
  /** why the current set is empty because of a bad file, else undefined */
  problem: string | undefined;
  /** changes whenever the set of tokens in force changes (for caches of lookups) */
  generation = 0;

  private constructor(readonly file: string, private readonly logger: Logger) {
    super();
  }

  /** Loads the file (throws TokensFileError when it is invalid) and starts watching it. */
  static async open(file: string, opts: { logger: Logger; pollMs?: number }): Promise<TokenStore> {
    const store = new TokenStore(path.resolve(file), opts.logger);
    const loaded = await store.read();
    if (loaded.entries === undefined) throw new TokensFileError(loaded.problem!);
    store.install(loaded.entries, loaded.contentHash, loaded.statKey);
    await store.watch(opts.pollMs ?? 2000);
    return store;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The token whose secret this is (expired or not), or undefined. */
  findBySecret(secret: string): StoredToken | undefined {
    const h = hashToken(secret);
    const t = this.byHash.get(h);
    return t && hashesEqual(h, t.hashBytes) ? t : undefined;
  }

  findById(id: string): StoredToken | undefined {
    return this.byId.get(id);
  }

  /** Re-reads the file now if it changed; resolves once the result is in force. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadNow()).catch((e: unknown) => {
      this.logger.error('tokens reload failed', { file: this.file, error: e });
    });
    return this.reloading;
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poller);
    clearTimeout(this.debounce);
  }

  private async read(): Promise<{ entries?: TokenEntry[]; problem?: string; contentHash: string; statKey: string }> {
    let text: string;
    let statKey = 'missing';
    try {
      const st = await stat(this.file);
      statKey = `${st.ino}:${st.size}:${st.mtimeMs}`;
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], contentHash: 'missing', statKey: 'missing' };
      return { problem: `cannot read ${this.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, contentHash: 'unreadable', statKey };
    }
    const contentHash = createHash('sha256').update(text).digest('hex');
    try {
      return { entries: parseTokensFile(text, this.file), contentHash, statKey };
    } catch (e) {
      return { problem: (e as Error).message, contentHash, statKey };
    }
  }

  private install(entries: TokenEntry[], contentHash: string, statKey: string): void {
    const stored = entries.map(toStored);
    this.byHash = new Map(stored.map((t) => [t.hash, t]));
    this.byId = new Map(stored.map((t) => [t.id, t]));
    this.contentHash = contentHash;
    this.statKey = statKey;
    this.problem = undefined;
    this.generation++;
  }

  private async reloadNow(): Promise<void> {
    const r = await this.read();
    if (r.contentHash === this.contentHash && r.entries !== undefined) { this.statKey = r.statKey; return; }
    if (r.entries === undefined) {
      if (this.problem === r.problem) return;
      this.byHash = new Map();
      this.byId = new Map();
      this.generation++;
      this.contentHash = r.contentHash;
      this.statKey = r.statKey;
      this.problem = r.problem;
      this.logger.error('tokens file invalid: no token is accepted until it is fixed', { file: this.file, problem: r.problem });
      this.emit('reloadFailed', r.problem!);
      return;
    }
    this.install(r.entries, r.contentHash, r.statKey);
    this.logger.info('tokens reloaded', { file: this.file, tokens: this.byHash.size });
    this.emit('reload', this.byHash.size);
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), 25);
    this.debounce.unref();
  }

  private async watch(pollMs: number): Promise<void> {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    await mkdir(dir, { recursive: true }).catch(() => undefined);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || name === base || name.toString() === base) this.schedule();
      });
      this.watcher.on('error', (e) => this.logger.warn('tokens file watch failed; polling only', { file: this.file, error: e }));
    } catch (e) {
      this.logger.warn('tokens file watch unavailable; polling only', { file: this.file, error: e });
    }
    this.poller = setInterval(() => {
      stat(this.file).then((st) => `${st.ino}:${st.size}:${st.mtimeMs}`, () => 'missing').then((key) => {
        if (key !== this.statKey) void this.reload();
      });
    }, pollMs);
    this.poller.unref();
  }
}
