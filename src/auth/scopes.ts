/**
 * Token scopes and how they match repositories.
 *
 *   pull:<glob>    may pull repositories matching the glob
 *   bypass:<glob>  break-glass: may pull matching repositories, and the gate lets them past policy
 *   admin          the /api/ admin endpoints and the dashboard (no pull rights by itself)
 *
 * Globs: `*` matches within one path segment (no `/`), `**` matches anything (including `/`),
 * every other character is literal. A glob matches a request when it matches any of its names
 * (see `repositoryNames`).
 */

export type Scope =
  | { kind: 'admin' }
  | { kind: 'pull' | 'bypass'; glob: string; re: RegExp };

const GLOB_RE = /^[a-z0-9._*/-]+$/;

export class ScopeError extends Error {}

export function compileGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') { re += '.*'; i++; } else re += '[^/]*';
    } else {
      re += c.replace(/[.\\+?^${}()|[\]-]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Parses one scope string; throws ScopeError with a message that says what is expected. */
export function parseScope(text: string): Scope {
  if (text === 'admin') return { kind: 'admin' };
  const m = /^(pull|bypass):(.+)$/.exec(text);
  if (!m) throw new ScopeError(`invalid scope ${JSON.stringify(text)}: expected pull:<repository glob>, bypass:<repository glob> or admin`);
  const glob = m[2]!;
  if (!GLOB_RE.test(glob) || glob.length > 255) {
    throw new ScopeError(`invalid repository glob ${JSON.stringify(glob)}: lowercase [a-z0-9._-/] with * (one segment) or ** (any depth)`);
  }
  return { kind: m[1] as 'pull' | 'bypass', glob, re: compileGlob(glob) };
}

export function parseScopes(texts: readonly string[]): Scope[] {
  return texts.map(parseScope);
}

export function scopeText(s: Scope): string {
  return s.kind === 'admin' ? 'admin' : `${s.kind}:${s.glob}`;
}

function anyMatch(scopes: readonly Scope[], kinds: ReadonlySet<string>, names: readonly string[]): boolean {
  for (const s of scopes) {
    if (s.kind === 'admin' || !kinds.has(s.kind)) continue;
    for (const n of names) if (s.re.test(n)) return true;
  }
  return false;
}

const PULL_KINDS = new Set(['pull', 'bypass']);
const BYPASS_KINDS = new Set(['bypass']);

/** A `pull:` or `bypass:` scope matches one of the request's names. */
export function mayPull(scopes: readonly Scope[], names: readonly string[]): boolean {
  return anyMatch(scopes, PULL_KINDS, names);
}

/** A `bypass:` scope matches one of the request's names. */
export function mayBypass(scopes: readonly Scope[], names: readonly string[]): boolean {
  return anyMatch(scopes, BYPASS_KINDS, names);
}

export function isAdmin(scopes: readonly Scope[]): boolean {
  return scopes.some((s) => s.kind === 'admin');
}

/** "library/*, tools/**" — the globs a token may pull, for refusal messages. */
export function describePullGlobs(scopes: readonly Scope[]): string {
  const globs = scopes.filter((s) => s.kind !== 'admin').map((s) => (s as { glob: string }).glob);
  return globs.length > 0 ? globs.join(', ') : '';
}
