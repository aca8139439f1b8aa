/**
 * `/token`: the Docker token flow's token server. Exchanges a portcullis token for a short-lived JWT.
 *   GET  /token?service=…&scope=repository:<name>:pull[&account=…]   with Basic (token as password)
 *        or Bearer pcs_… credentials (docker, podman, skopeo)
 *   POST /token  form: grant_type=password&username=…&password=<token>&scope=…   (containerd)
 * Answers {token, access_token, expires_in, issued_at}. The JWT's `access` lists what was asked
 * for and is covered by the token's scopes; /v2/ requests are checked against the live token.
 */
import type { Context, Next } from 'koa';
import { RegistryError } from '../errors.js';
import type { Router } from '../upstream/routing.js';
import type { AuditLog, AuditRequest, DecisionResult } from './audit.js';
import type { Authenticator, AuthnResult } from './authenticate.js';
import { tokenRealm } from './challenge-header.js';
import { presentedCredential, type Presented } from './credentials.js';
import type { JwtCodec } from './jwt.js';
import type { RateLimiter } from './rate-limit.js';
import { repositoryNames } from './repository-names.js';
import { mayPull, type Scope } from './scopes.js';
import { isTokenShaped } from './token-secret.js';

export interface TokenEndpointOptions {
  anonymous: boolean;
  publicUrl?: string;
  listenHost: string;
  router: Router;
  defaultUpstream: string | undefined;
  authenticator: Authenticator;
  jwt: JwtCodec;
  limiter: RateLimiter;
  audit: AuditLog;
}

const MAX_FORM_BYTES = 8192;
const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="portcullis", charset="UTF-8"' };

async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(ctx.get('content-type'))) {
    throw new RegistryError('UNSUPPORTED', 'POST /token expects an application/x-www-form-urlencoded form', { status: 400 });
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_FORM_BYTES) throw new RegistryError('SIZE_INVALID', `token request form larger than ${MAX_FORM_BYTES} bytes`, { status: 413, headers: { Connection: 'close' } });
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new RegistryError('SIZE_INVALID', `token request form larger than ${MAX_FORM_BYTES} bytes`, { status: 413, headers: { Connection: 'close' } });
    parts.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'));
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `repository:<name>:<actions>` entries → the JWT `access` claim, limited to what the token may do. */
function grantedAccess(requested: string[], scopes: readonly Scope[] | 'all', opts: TokenEndpointOptions): unknown[] {
  const out: { type: string; name: string; actions: string[] }[] = [];
  for (const item of requested.flatMap((s) => s.split(' ')).slice(0, 20)) {
    const m = /^repository:([^:]{1,255}):([a-z,*]{1,40})$/.exec(item);
    if (!m) continue;
    const name = m[1]!;
    let allowed = scopes === 'all';
    if (!allowed) {
      try {
        const route = opts.router.resolve(name, undefined);
        allowed = mayPull(scopes as Scope[], repositoryNames(route, name, false, opts.defaultUpstream));
      } catch {
        allowed = false;
      }
    }
    out.push({ type: 'repository', name, actions: allowed && m[2]!.split(',').some((a) => a === 'pull' || a === '*') ? ['pull'] : [] });
  }
  return out;
}

export function tokenEndpoint(opts: TokenEndpointOptions) {
  return async function token(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== '/token') return next();
    ctx.state.route = 'token';
    if (ctx.method !== 'GET' && ctx.method !== 'POST') throw new RegistryError('UNSUPPORTED', 'the token endpoint answers GET and POST');
    const ip = (ctx.state.clientIp as string | undefined) ?? '';
    const base: AuditRequest = { ip, method: ctx.method, path: ctx.path, area: 'token' };
    const fail = (who: string, result: DecisionResult, why: string, status: 'UNAUTHORIZED' | 'TOOMANYREQUESTS' = 'UNAUTHORIZED', headers: Record<string, string> = BASIC_CHALLENGE) => {
      opts.audit.record(base, who, undefined, result, why);
      return new RegistryError(status, why, { headers });
    };

    let presented: Presented;
    let requested: string[];
    if (ctx.method === 'POST') {
      const form = await readForm(ctx);
      const grant = form.get('grant_type');
      if (grant !== 'password') throw new RegistryError('UNSUPPORTED', `unsupported grant_type ${JSON.stringify((grant ?? '').slice(0, 40))}: use password`, { status: 400 });
      const password = form.get('password') ?? '';
      presented = isTokenShaped(password) ? { kind: 'token', secret: password } : { kind: 'malformed', why: 'the password is not a portcullis token (pcs_…)' };
      requested = form.getAll('scope');
    } else {
      presented = presentedCredential(ctx.get('authorization') || undefined);
      requested = asList(ctx.query.scope);
    }

    let authn: AuthnResult;
    if (presented.kind === 'token') authn = opts.authenticator.checkSecret(presented.secret);
    else if (presented.kind === 'none') authn = { ok: false, reason: 'invalid', message: 'credentials required: any username and a portcullis token (pcs_…) as the password' };
    else authn = { ok: false, reason: 'invalid', message: presented.kind === 'jwt' ? 'exchange a portcullis token (pcs_…), not a JWT' : presented.why };

    const limitKey = authn.ok && authn.identity.kind === 'token' ? `token:${authn.identity.token.name}` : `ip:${ip}`;
    const admission = opts.limiter.take(limitKey);
    if (!admission.ok) {
      throw fail(authn.ok && authn.identity.kind === 'token' ? authn.identity.token.name : 'anonymous', 'rate_limited', `rate limit exceeded: retry in ${admission.retryAfterSeconds}s`, 'TOOMANYREQUESTS', { 'Retry-After': String(admission.retryAfterSeconds) });
    }
    if (!authn.ok) throw fail(authn.name ?? 'anonymous', authn.reason === 'expired' ? 'expired' : presented.kind === 'none' ? 'unauthenticated' : 'invalid', authn.message);
    if (authn.identity.kind !== 'token') throw fail('anonymous', 'unauthenticated', 'credentials required');

    const t = authn.identity.token;
    const realm = tokenRealm(opts.publicUrl, ctx.get('host'), (ctx.req.socket as { encrypted?: boolean }).encrypted === true, opts.listenHost);
    const access = grantedAccess(requested, opts.anonymous ? 'all' : t.scopes, opts);
    const signed = await opts.jwt.sign({ sub: t.name, tid: t.id, audience: realm.service, access, expiresAt: t.expiresAt });
    opts.audit.record(base, t.name, 'token', 'allow', `JWT issued for ${JSON.stringify(access)}`.slice(0, 500));
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = JSON.stringify({ token: signed.jwt, access_token: signed.jwt, token_type: 'Bearer', expires_in: signed.expiresIn, issued_at: signed.issuedAt.toISOString() });
  };
}
