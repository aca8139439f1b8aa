/** Creating, listing and revoking tokens in the tokens file (used by `portcullis token …` and tests). */
import { generateToken, hashToken, newTokenId } from './token-secret.js';
import { parseScopes, scopeText } from './scopes.js';
import { TOKEN_NAME_RE, readTokensFile, updateTokensFile, type TokenEntry } from './tokens-file.js';

export class TokenAdminError extends Error {}

export interface CreateTokenOptions {
  name: string;
  scopes: readonly string[];
  /** lifetime in ms; undefined = never expires */
  ttlMs?: number;
  now?: Date;
}

/** Adds a token and returns its secret: the only time it exists outside the caller's hands. */
export async function createToken(file: string, opts: CreateTokenOptions): Promise<{ token: string; entry: TokenEntry }> {
  if (!TOKEN_NAME_RE.test(opts.name)) throw new TokenAdminError(`invalid token name ${JSON.stringify(opts.name)}: use [A-Za-z0-9._-], at most 64 characters`);
  if (opts.scopes.length === 0) throw new TokenAdminError('a token needs at least one --scope (pull:<glob>, bypass:<glob> or admin)');
  const scopes = [...new Set(parseScopes(opts.scopes).map(scopeText))];
  const now = opts.now ?? new Date();
  const token = generateToken();
  const entry: TokenEntry = {
    id: newTokenId(),
    name: opts.name,
    hash: hashToken(token),
    scopes,
    created: now.toISOString(),
    expires: opts.ttlMs === undefined ? null : new Date(now.getTime() + opts.ttlMs).toISOString(),
  };
  await updateTokensFile(file, (entries) => {
    if (entries.some((e) => e.name === opts.name)) throw new TokenAdminError(`a token named ${JSON.stringify(opts.name)} exists already: revoke it first or pick another name`);
    return { entries: [...entries, entry], result: undefined };
  });
  return { token, entry };
}

/** Removes the named token; false when there was none. */
export async function revokeToken(file: string, name: string): Promise<boolean> {
  return updateTokensFile(file, (entries) => {
    const kept = entries.filter((e) => e.name !== name);
    return { entries: kept, result: kept.length !== entries.length };
  });
}

export interface TokenSummary {
  name: string;
  scopes: string[];
  created: string;
  expires: string | null;
  expired: boolean;
}

export async function listTokens(file: string, now = new Date()): Promise<TokenSummary[]> {
  return (await readTokensFile(file)).map((e) => ({
    name: e.name,
    scopes: e.scopes,
    created: e.created,
    expires: e.expires,
    expired: e.expires !== null && Date.parse(e.expires) <= now.getTime(),
  }));
}
