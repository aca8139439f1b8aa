/**
 * Loading the config: YAML → `${VAR}` substitution → schema → cross-field checks.
 * Every problem is collected and reported together with its path; the result is frozen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export interface ConfigProblem {
  path: string;
  message: string;
  got?: string;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: ConfigProblem[]) {
    super(`${file}: ${problems.length} problem(s) in the configuration\n` + problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `  ${p.path || '(root)'}: ${p.message}${p.got !== undefined ? ` (got ${p.got})` : ''}`;
}

export function resolveConfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.PORTCULLIS_CONFIG ?? 'config/portcullis.yaml';
}

/** Replace `${VAR}` (and `${VAR:-default}`) in every string of a parsed tree. */
function substitute(node: unknown, env: NodeJS.ProcessEnv, at: string, problems: ConfigProblem[]): unknown {
  if (typeof node === 'string') {
    return node.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (def !== undefined) return def;
      problems.push({ path: at, message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => substitute(v, env, `${at}[${i}]`, problems));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = substitute(v, env, at ? `${at}.${k}` : k, problems);
    return out;
  }
  return node;
}

function zodPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
}

function issuesToProblems(issues: z.core.$ZodIssue[], raw: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: zodPath([...i.path, k]), message: 'unknown key' });
      continue;
    }
    const got = valueAt(raw, i.path);
    out.push({ path: zodPath(i.path), message: i.message, got: got === undefined ? 'nothing' : describe(got) });
  }
  return out;
}

/** Checks that need more than one field. */
function crossCheck(c: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = Object.keys(c.upstreams);
  if (c.routing.default !== undefined && !names.includes(c.routing.default)) {
    problems.push({ path: 'routing.default', message: `names no upstream (have: ${names.join(', ')})`, got: describe(c.routing.default) });
  }
  if (c.routing.default === undefined && names.length > 1) {
    problems.push({ path: 'routing.default', message: 'required when there is more than one upstream' });
  }
  const seenHosts = new Map<string, string>();
  for (const [name, u] of Object.entries(c.upstreams)) {
    if (u.url.startsWith('http://') && !u.insecure) {
      problems.push({ path: `upstreams.${name}.url`, message: 'plain http needs `insecure: true`', got: describe(u.url) });
    }
    if ((u.username === undefined) !== (u.password === undefined)) {
      problems.push({ path: `upstreams.${name}`, message: 'username and password go together' });
    }
    for (const h of u.registries) {
      const prev = seenHosts.get(h);
      if (prev) problems.push({ path: `upstreams.${name}.registries`, message: `${h} is already served by upstream ${prev}` });
      seenHosts.set(h, name);
    }
  }
  const keyNames = new Set(c.signatures.keys.map((k) => k.name));
  c.policy.rules.forEach((r, i) => {
    for (const k of r.keys ?? []) if (!keyNames.has(k)) problems.push({ path: `policy.rules[${i}].keys`, message: `names no key in signatures.keys`, got: describe(k) });
  });
  const needsSignatures = c.policy.requireSignature || c.policy.rules.some((r) => r.requireSignature);
  if (needsSignatures && c.signatures.keys.length === 0 && c.signatures.identities.length === 0) {
    problems.push({ path: 'signatures', message: 'requireSignature is on but no keys or identities are configured' });
  }
  if ((c.signatures.identities.length > 0 || c.signatures.keys.length > 0) && !c.signatures.trustedRoot) {
    problems.push({ path: 'signatures.trustedRoot', message: 'signature verification needs a sigstore trusted root (trusted_root.json), also for keys' });
  }
  c.signatures.identities.forEach((id, i) => {
    try { new RegExp(id.subject); } catch { problems.push({ path: `signatures.identities[${i}].subject`, message: 'not a valid regular expression', got: describe(id.subject) }); }
  });
  if (c.server.publicUrl?.endsWith('/')) problems.push({ path: 'server.publicUrl', message: 'must not end with "/"', got: describe(c.server.publicUrl) });
  return problems;
}

/** Parse and validate config text. Relative paths in the config stay relative to the process cwd. */
export function parseConfig(text: string, file = '<config>', env: NodeJS.ProcessEnv = process.env): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}` })));
  }
  const problems: ConfigProblem[] = [];
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 50 });
    JSON.stringify(js); // circular aliases cannot be configuration
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
  const raw = substitute(js ?? {}, env, '', problems);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error.issues, raw));
  else problems.push(...crossCheck(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(file, problems);
  return deepFreeze(parsed.data);
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot read ${path.resolve(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
  return parseConfig(text, file, env);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
