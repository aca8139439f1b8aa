/**
 * containerd resolves tags with HEAD, whose 403 has no body, and prints only the HTTP status line
 * ("… failed with status code [manifests 1]: 403 Forbidden"). So a refusal by the gate carries its
 * one-line message in the status line's reason phrase too (ASCII, bounded); the body is the usual
 * OCI error with the Verdict, written by the one error-body writer.
 */
import type { Context, Next } from 'koa';
import { errorBody, isRegistryError, type RegistryError } from '../errors.js';
import { GateRefusal, refusal } from './denial.js';
import type { RequestOrigin } from './request-origin.js';

const MAX_REASON = 600;

function ascii(s: string): string {
  return s.replace(/—/g, '-').replace(/…/g, '...').replace(/[^\x20-\x7e]/g, '?');
}

/** "Forbidden: <message>", shortened in the middle when long so the report link survives. */
export function reasonPhrase(status: 403 | 503, message: string): string {
  const prefix = status === 403 ? 'Forbidden: ' : 'Service Unavailable: ';
  const at = message.lastIndexOf(' — report: ');
  const [head, tail] = at >= 0 ? [message.slice(0, at), ascii(message.slice(at))] : [message, ''];
  const room = MAX_REASON - prefix.length - tail.length;
  const text = ascii(head);
  return prefix + (text.length > room ? `${text.slice(0, Math.max(0, room - 3))}...` : text) + tail;
}

/** Writes the gate's refusals: report links for the origin the client used, the message in the status line. */
export function refusalStatusLine(origin: RequestOrigin) {
  let seen = false;
  const refuse = (ctx: Context, thrown: unknown): void => {
    if (!isRegistryError(thrown) || (thrown.code !== 'DENIED' && thrown.code !== 'UNAVAILABLE') || !ctx.path.startsWith('/v2/') || ctx.headerSent) throw thrown;
    let e: RegistryError = thrown;
    if (thrown instanceof GateRefusal) e = refusal(thrown.verdict, origin.reportUrl(thrown.verdict.digest, origin.of(ctx)), thrown.retryAfterSeconds);
    ctx.status = e.status;
    ctx.message = reasonPhrase(e.status === 403 ? 403 : 503, e.message);
    for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
    ctx.set('Docker-Distribution-API-Version', 'registry/2.0');
    ctx.type = 'application/json';
    ctx.body = errorBody(e);
    ctx.state.errorCode = e.code;
  };
  // not an async function: one promise per request on the path every pull takes
  return function refusalStatus(ctx: Context, next: Next): Promise<void> {
    if (!seen) {
      origin.of(ctx); // remember how clients reach this gateway, for links made in the background
      seen = true;
    }
    return next().then(undefined, (e: unknown) => refuse(ctx, e));
  };
}
