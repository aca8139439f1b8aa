/** How upstream failures reach the client: which upstream failed, and Retry-After where it applies. */
import { ERROR_CODES, RegistryError, type ErrorCode } from '../errors.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import { retryAfterSeconds, type UpstreamResponse } from '../upstream/client.js';

export function fromUpstreamError(e: unknown): RegistryError {
  if (e instanceof RegistryError) return e;
  if (!(e instanceof UpstreamError)) throw e;
  const headers: Record<string, string> = {};
  if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
  if (e.failure === 'breaker') return new RegistryError('UNAVAILABLE', e.message, { headers });
  if (e.status === 429) return new RegistryError('TOOMANYREQUESTS', e.message, { headers });
  if (e.status === 503) return new RegistryError('UNAVAILABLE', e.message, { headers });
  return new RegistryError('UPSTREAM_ERROR', e.message, { headers });
}

/** An upstream answer that is not a success, as the error the client gets. The body is consumed. */
export async function fromUpstreamResponse(upstream: string, res: UpstreamResponse, what: string, notFound: ErrorCode): Promise<RegistryError> {
  let upstreamCode: string | undefined;
  let upstreamMessage: string | undefined;
  try {
    // A body already dumped (HEAD revalidation, a 401 retried) must not be read again: undici's text()
    // on a dumped body throws asynchronously (an uncaught exception) and never settles.
    if (res.body.destroyed || res.body.readableEnded) throw new Error('body already consumed');
    const text = (await res.body.text()).slice(0, 4096);
    const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = body.errors?.[0];
    if (typeof first?.code === 'string') upstreamCode = first.code;
    if (typeof first?.message === 'string') upstreamMessage = first.message.slice(0, 300);
  } catch { /* not JSON */ }
  const said = upstreamMessage ? `: ${upstreamMessage}` : '';
  const headers: Record<string, string> = {};
  const ra = retryAfterSeconds(res.headers);
  if (ra !== undefined) headers['retry-after'] = String(ra);
  switch (res.status) {
    case 404: {
      const code = upstreamCode && upstreamCode in ERROR_CODES && ERROR_CODES[upstreamCode as ErrorCode].status === 404 ? (upstreamCode as ErrorCode) : notFound;
      return new RegistryError(code, `${what} not found at upstream ${upstream}${said}`);
    }
    case 401:
    case 403:
      // Docker Hub answers 401 for repositories that do not exist: present it as unknown, not as our auth problem.
      return new RegistryError('NAME_UNKNOWN', `upstream ${upstream} refused access to ${what} (${res.status}${said}); the repository may not exist or the upstream credentials lack access`);
    case 429:
      return new RegistryError('TOOMANYREQUESTS', `upstream ${upstream} is rate-limiting (429) ${what}${said}`, { headers });
    case 503:
      return new RegistryError('UNAVAILABLE', `upstream ${upstream} is unavailable (503) for ${what}${said}`, { headers });
    default:
      return new RegistryError('UPSTREAM_ERROR', `upstream ${upstream} answered ${res.status} for ${what}${said}`, { headers });
  }
}

/** Failures where cached (stale) content may be served instead: outage, timeout, 429, 5xx, open breaker. */
export function isTransient(e: RegistryError): boolean {
  return e.code === 'UPSTREAM_ERROR' || e.code === 'UNAVAILABLE' || e.code === 'TOOMANYREQUESTS';
}
