/**
 * The access gate in front of every route: CIDR allowlist → authentication → rate limit →
 * authorization by area (see access-areas.ts) → one audit line per decision.
 *
 * Sets for later layers:
 *   ctx.state.principal  token name (undefined for anonymous callers)
 *   ctx.state.clientIp   the client address (X-Forwarded-For only from trusted proxies)
 *   ctx.state.auth       { name?, admin, via? }
 *   ctx.state.bypass     (repository) => true when a bypass: grant covers this request's repository
 *
 * In a recorded trace the decision is a `portcullis.auth` span (result and principal; a refusal
 * carries its OCI error code).
 */
import type { Context, Next } from 'koa';
import { RegistryError, isRegistryError } from '../errors.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import { tracer } from '../telemetry/spans.js';
import { isRecording, requestTrace } from '../telemetry/trace-context.js';
import type { Router } from '../upstream/routing.js';
import { areaOf, cidrExempt, type Area } from './access-areas.js';
import type { AuditLog, AuditRequest, AuditTarget, DecisionResult } from './audit.js';
import type { Authenticator, AuthnFailure, Identity } from './authenticate.js';
import { bearerChallenge, tokenRealm } from './challenge-header.js';
import type { CidrSet } from './cidr.js';
import { clientIp } from './client-ip.js';
import type { RateLimiter } from './rate-limit.js';
import { describePullGlobs, isAdmin, mayBypass, mayPull } from './scopes.js';
import { v2Target, type V2Target } from './v2-target.js';

export interface AccessOptions {
  anonymous: boolean;
  publicUrl?: string;
  listenHost: string;
  metricsPath: string;
  protectMetrics: boolean;
  allowCidrs: CidrSet;
  trustedProxies: CidrSet;
  router: Router;
  defaultUpstream: string | undefined;
  authenticator: Authenticator;
  limiter: RateLimiter;
  audit: AuditLog;
}

/** open: no access check applies (health, token endpoint); allow; break_glass: a bypass: grant */
type Admitted = 'open' | 'allow' | 'break_glass';

const FAILURE_RESULT: Record<AuthnFailure, DecisionResult> = { malformed: 'invalid', invalid: 'invalid', expired: 'expired', revoked: 'revoked' };
const NEED_TOKEN = 'authentication required: send a token as "Authorization: Bearer pcs_…", or log in with any username and the token as password';

function safeTarget(ctx: Context, opts: AccessOptions): V2Target | undefined {
  try {
    return v2Target(ctx.path, ctx.method, single(ctx.query.ns), opts.router, opts.defaultUpstream);
  } catch {
    return undefined;
  }
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function accessMiddleware(opts: AccessOptions) {
  const challenge = (ctx: Context, area: Area): Record<string, string> => {
    // A person opening a page or a report link in a browser gets a login prompt (token as password).
    if (area === 'page' || (area === 'api' && ctx.accepts('json', 'html') === 'html')) return { 'WWW-Authenticate': 'Basic realm="portcullis", charset="UTF-8"' };
    const realm = tokenRealm(opts.publicUrl, ctx.get('host'), (ctx.req.socket as { encrypted?: boolean }).encrypted === true, opts.listenHost);
    const t = area === 'registry' ? safeTarget(ctx, opts) : undefined;
    return { 'WWW-Authenticate': bearerChallenge(realm, t?.kind === 'repository' ? `repository:${t.clientName}:pull` : undefined) };
  };

  /** Records a refusal and returns the error to throw. */
  const deny = (req: AuditRequest, who: string, result: DecisionResult, why: string, err: RegistryError, via?: 'token' | 'jwt', target?: AuditTarget): RegistryError => {
    opts.audit.record(req, who, via, result, why, target);
    return err;
  };

  /** Admits the request (returns how) or throws the refusal. */
  const admit = async (ctx: Context): Promise<Admitted> => {
    const area = areaOf(ctx.method, ctx.path, opts);
    const ip = clientIp(ctx.req.socket.remoteAddress, ctx.req.headers['x-forwarded-for'], opts.trustedProxies);
    ctx.state.clientIp = ip;
    const base: AuditRequest = { ip, method: ctx.method, path: ctx.path, area };

    if (!opts.allowCidrs.empty && !cidrExempt(ctx.path) && !opts.allowCidrs.contains(ip)) {
      throw deny(base, 'anonymous', 'cidr_denied', 'client address not in auth.allowCidrs',
        new RegistryError('DENIED', `requests from ${ip} are not allowed here (auth.allowCidrs)`));
    }
    if (area === 'open' || area === 'token') return 'open'; // /token audits its own decisions

    const pending = opts.authenticator.authenticateOn(ctx.req.socket, ctx.get('authorization') || undefined);
    const authn = pending instanceof Promise ? await pending : pending;
    if (!authn.ok) {
      throw deny(base, authn.name ?? 'anonymous', FAILURE_RESULT[authn.reason], authn.message,
        new RegistryError('UNAUTHORIZED', authn.message, { headers: challenge(ctx, area) }));
    }
    const identity: Identity = authn.identity;
    const token = identity.kind === 'token' ? identity.token : undefined;
    const who = token?.name ?? 'anonymous';
    const via = identity.kind === 'token' ? identity.via : undefined;
    const admin = token ? isAdmin(token.scopes) : false;
    ctx.state.principal = token?.name;
    ctx.state.auth = { name: token?.name, admin, via };

    const anonymousOk = opts.anonymous && (area === 'registry' || area === 'api' || area === 'page');
    if (!token && !anonymousOk) {
      throw deny(base, who, 'unauthenticated', 'no credentials',
        new RegistryError('UNAUTHORIZED', NEED_TOKEN, { headers: challenge(ctx, area) }));
    }

    const admission = opts.limiter.enabled ? opts.limiter.take(token ? `token:${token.name}` : `ip:${ip}`) : undefined;
    if (admission && !admission.ok) {
      throw deny(base, who, 'rate_limited', `more than ${opts.limiter.rate} requests/s (burst ${opts.limiter.burst})`,
        new RegistryError('TOOMANYREQUESTS', `rate limit of ${opts.limiter.rate} requests/s exceeded${token ? ` for token '${token.name}'` : ''}: retry in ${admission.retryAfterSeconds}s`,
          { headers: { 'Retry-After': String(admission.retryAfterSeconds) } }), via);
    }

    if (area === 'admin' || (area === 'page' && !opts.anonymous)) {
      if (!admin) {
        throw deny(base, who, 'not_admin', 'admin scope required',
          new RegistryError('DENIED', `token '${who}' lacks the admin scope needed for ${ctx.method} ${ctx.path.slice(0, 100)}`), via);
      }
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.get('sec-fetch-site') === 'cross-site') {
        throw deny(base, who, 'not_admin', 'cross-site request to an admin endpoint',
          new RegistryError('DENIED', 'cross-site requests to admin endpoints are refused'), via);
      }
    }

    if (area !== 'registry') {
      opts.audit.record(base, who, via, 'allow', token ? (area === 'admin' || area === 'page' ? 'admin scope' : 'valid token') : 'anonymous access is on');
      return 'allow';
    }

    const target = v2Target(ctx.path, ctx.method, single(ctx.query.ns), opts.router, opts.defaultUpstream);
    if (target.kind !== 'repository') {
      opts.audit.record(base, who, via, 'allow', target.kind === 'base' ? 'API version check' : 'answered by the registry route itself (write or unknown endpoint)');
      return 'allow';
    }
    const what: AuditTarget = { repository: `${target.route.upstream}/${target.route.repository}`, name: target.clientName, endpoint: target.endpoint, reference: target.reference };
    if (token && !opts.anonymous && !mayPull(token.scopes, target.names)) {
      const globs = describePullGlobs(token.scopes);
      const message = globs ? `token '${who}' may pull ${globs} but not ${target.clientName}` : `token '${who}' has no pull scope: it may not pull ${target.clientName}`;
      throw deny(base, who, 'out_of_scope', message, new RegistryError('DENIED', message), via, what);
    }
    const bypass = token !== undefined && mayBypass(token.scopes, target.names);
    if (bypass) {
      const repository = target.route.repository;
      ctx.state.bypass = (repo: string) => repo === repository;
    }
    const why = bypass ? 'a bypass: grant covers this repository' : token ? (opts.anonymous ? 'anonymous access is on' : 'a pull: grant covers this repository') : 'anonymous access is on';
    opts.audit.record(base, who, via, bypass ? 'break_glass' : 'allow', why, what);
    return bypass ? 'break_glass' : 'allow';
  };

  return async function access(ctx: Context, next: Next): Promise<void> {
    const trace = requestTrace(ctx.state);
    if (!isRecording(trace)) {
      await admit(ctx);
      return next();
    }
    // the span in this frame, not a wrapper's: one async frame less for every traced request
    const span = tracer.startSpan(SpanName.auth, undefined, trace);
    try {
      span.setAttribute(Attr.authResult, await admit(ctx));
    } catch (e) {
      span.setAttribute(Attr.authResult, 'refused');
      if (isRegistryError(e)) span.setAttribute(Attr.errorCode, e.code);
      throw e;
    } finally {
      if (ctx.state.principal) span.setAttribute(Attr.principal, ctx.state.principal as string);
      span.end();
    }
    return next();
  };
}
