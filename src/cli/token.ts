/**
 * `portcullis token create --name N --scope S [--scope S…] [--ttl 30d|never] [--config FILE]`
 *     prints a new token once; stores only its sha256 in auth.tokensFile
 * `portcullis token list [--json] [--config FILE]`      names, scopes, created, expires (never the tokens)
 * `portcullis token revoke --name N [--config FILE]`
 * `--tokens-file FILE` instead of `--config` names the file directly (no config, so no need for the
 * environment variables the config refers to). A running gateway picks up every change within
 * moments, without a restart.
 */
import { flag, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { createToken, listTokens, revokeToken, TokenAdminError } from '../auth/token-admin.js';
import { ScopeError } from '../auth/scopes.js';
import { TokensFileError } from '../auth/tokens-file.js';

const DEFAULT_TTL = '90d';

function tokensFile(p: ParsedArgs): string {
  const direct = flag(p, 'tokens-file');
  if (direct !== undefined && flag(p, 'config') !== undefined) throw new UsageError('give --config or --tokens-file, not both');
  return direct ?? loadConfig(resolveConfigPath(flag(p, 'config'))).auth.tokensFile;
}

function ttlMs(text: string): number | undefined {
  if (text === 'never') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`--ttl expects a duration like 30d, 12h or 90m, or "never"; got ${JSON.stringify(text)}`);
  return ms;
}

async function create(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['name', 'scope', 'ttl', 'config', 'tokens-file'] });
  if (p.positional.length > 0) throw new UsageError(`token create takes no arguments, got ${p.positional.join(' ')}`);
  const name = flag(p, 'name');
  const scopes = p.flags.get('scope') ?? [];
  if (!name) throw new UsageError('token create needs --name');
  if (scopes.length === 0) throw new UsageError('token create needs at least one --scope (pull:<repository glob>, bypass:<repository glob> or admin)');
  const { token, entry } = await createToken(tokensFile(p), { name, scopes, ttlMs: ttlMs(flag(p, 'ttl') ?? DEFAULT_TTL) });
  process.stdout.write(token + '\n');
  process.stderr.write(`token '${entry.name}' created with ${entry.scopes.join(', ')}; expires ${entry.expires ?? 'never'}. It is shown only once.\n`);
  return 0;
}

async function list(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['config', 'tokens-file'], booleans: ['json'] });
  const tokens = await listTokens(tokensFile(p));
  if (flag(p, 'json') === 'true') {
    process.stdout.write(JSON.stringify(tokens, null, 2) + '\n');
    return 0;
  }
  if (tokens.length === 0) {
    process.stdout.write('no tokens\n');
    return 0;
  }
  const rows = [['NAME', 'SCOPES', 'CREATED', 'EXPIRES'], ...tokens.map((t) => [t.name, t.scopes.join(','), t.created, t.expires === null ? 'never' : t.expired ? `${t.expires} (expired)` : t.expires])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  return 0;
}

async function revoke(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['name', 'config', 'tokens-file'] });
  const name = flag(p, 'name');
  if (!name) throw new UsageError('token revoke needs --name');
  if (!(await revokeToken(tokensFile(p), name))) {
    process.stderr.write(`no token named ${JSON.stringify(name)}\n`);
    return 2;
  }
  process.stdout.write(`token '${name}' revoked\n`);
  return 0;
}

export async function tokenCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === 'create' ? create : sub === 'list' ? list : sub === 'revoke' ? revoke : undefined;
  if (!run) throw new UsageError('expected: token create|list|revoke');
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof TokenAdminError || e instanceof ScopeError || e instanceof TokensFileError) {
      process.stderr.write(`portcullis token ${sub}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
