/**
 * Which part of the gateway a request is for, and so which rule applies:
 *
 *   open      /healthz, /readyz, the metrics path (unless auth.protectMetrics): never need a token
 *   token     /token: authenticates its own credentials
 *   registry  /v2/…: a token whose scopes cover the repository (or anonymous: true)
 *   api       GET/HEAD /api/…: any valid token (or anonymous: true)
 *   admin     any path with an `admin` segment, and every method but GET/HEAD outside /v2/ and
 *             /token: a token with `admin`, always
 *   page      everything else (the dashboard, report pages): `admin`, or anyone with anonymous: true
 */

export type Area = 'open' | 'token' | 'registry' | 'api' | 'admin' | 'page';

export interface AreaOptions {
  metricsPath: string;
  protectMetrics: boolean;
}

export function areaOf(method: string, path: string, opts: AreaOptions): Area {
  if (path === '/v2' || path.startsWith('/v2/')) return 'registry';
  if (path === '/healthz' || path === '/readyz') return 'open';
  if (path === opts.metricsPath) return opts.protectMetrics ? 'admin' : 'open';
  if (path === '/token') return 'token';
  if (method !== 'GET' && method !== 'HEAD') return 'admin';
  const segments = routerSegments(path);
  if (segments === undefined || segments.includes('admin')) return 'admin';
  return segments[0] === 'api' ? 'api' : 'page';
}

/**
 * Path segments the way a router may compare them: percent-decoded, lowercase (routers are often
 * case-insensitive), empty segments dropped. undefined when the path cannot be decoded.
 */
function routerSegments(path: string): string[] | undefined {
  try {
    return decodeURIComponent(path).toLowerCase().split('/').filter((s) => s.length > 0);
  } catch {
    return undefined;
  }
}

/** Areas that the CIDR allowlist does not cover (probes from the orchestrator). */
export function cidrExempt(path: string): boolean {
  return path === '/healthz' || path === '/readyz';
}
