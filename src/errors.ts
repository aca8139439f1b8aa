/**
 * The OCI error catalogue: every error code the gateway answers with is
 * registered here once, with its HTTP status. `RegistryError` carries one;
 * `errorBody` is the single writer of `{"errors":[…]}` bodies.
 */

export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 404, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  // Not in the spec's table but used by distribution and understood by clients.
  RANGE_INVALID: { status: 416, message: 'requested range not satisfiable' },
  // Gateway-side failures; clients print the message.
  UPSTREAM_ERROR: { status: 502, message: 'upstream registry failed' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** extra response headers, e.g. Retry-After or WWW-Authenticate */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, opts: { detail?: unknown; status?: number; headers?: Record<string, string> } = {}) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'RegistryError';
    this.code = code;
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }
}

export function isRegistryError(e: unknown): e is RegistryError {
  return e instanceof RegistryError;
}

/** The one writer of OCI error bodies. */
export function errorBody(err: RegistryError): string {
  const entry: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.detail !== undefined) entry.detail = err.detail;
  return JSON.stringify({ errors: [entry] });
}

/** Any thrown value → RegistryError (unknown errors become INTERNAL without leaking internals). */
export function toRegistryError(e: unknown): RegistryError {
  if (isRegistryError(e)) return e;
  return new RegistryError('INTERNAL');
}
