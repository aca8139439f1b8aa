/**
 * The dashboard's data read from the gate's own HTTP API over loopback (`/api/v1/pulls`,
 * `/api/v1/status`), as the person viewing the page: their Authorization header goes along, so
 * the API's access rules apply unchanged. Used when the gate's parts are not at hand in-process;
 * this API does not list digests newly denied by a rescan, so that part stays unknown.
 */
import { Agent, request } from 'undici';
import type { DashboardSnapshot, DashboardSource, GatewayStatus, PullEntry, SnapshotRequest } from './types.js';

const TIMEOUT_MS = 10_000;
const WILDCARD_V4 = new Set(['', '0.0.0.0']);
const WILDCARD_V6 = new Set(['::', '[::]']);

/** The address to reach this server at: loopback when it listens on every interface, else the one it listens on. */
export function loopbackHost(listen: string, localAddress: string | undefined): string {
  const host = listen.slice(0, listen.lastIndexOf(':'));
  if (WILDCARD_V4.has(host)) return '127.0.0.1';
  if (WILDCARD_V6.has(host)) return '[::1]';
  const addr = (localAddress ?? host).replace(/^::ffff:(?=\d+\.)/, '');
  return addr.includes(':') && !addr.startsWith('[') ? `[${addr}]` : addr;
}

function problemOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string; errors?: Array<{ message?: string }> };
    const message = body.error ?? body.errors?.[0]?.message;
    if (message) return `${status}: ${message}`;
  } catch {
    // not JSON
  }
  return `${status}: ${text.slice(0, 200)}`;
}

export function apiSource(listen: string): DashboardSource {
  // TLS: this process connects to its own listener by address, so the name in its certificate
  // cannot match; the peer is this server itself.
  const self = new Agent({ connect: { rejectUnauthorized: false }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });

  async function getJson<T>(req: SnapshotRequest, path: string): Promise<T> {
    const base = `${req.tls ? 'https' : 'http'}://${loopbackHost(listen, req.localAddress)}:${req.localPort}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.authorization) headers.authorization = req.authorization;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(base + path, { headers, dispatcher: self, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw new Error(`the gateway's API at ${base} did not answer: ${(e as Error).message}`);
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      const hint = res.statusCode === 403 && /auth\.allowCidrs/.test(text) ? ' (the dashboard reads the API over loopback: allow 127.0.0.0/8 in auth.allowCidrs)' : '';
      throw new Error(`${path} answered ${problemOf(res.statusCode, text)}${hint}`);
    }
    return JSON.parse(text) as T;
  }

  return {
    async snapshot(req, limit): Promise<DashboardSnapshot> {
      const [pulls, status] = await Promise.allSettled([
        getJson<{ pulls: PullEntry[] }>(req, `/api/v1/pulls?limit=${limit}`),
        getJson<GatewayStatus>(req, '/api/v1/status'),
      ]);
      return {
        ...(pulls.status === 'fulfilled' ? { pulls: pulls.value.pulls } : { pullsError: (pulls.reason as Error).message }),
        ...(status.status === 'fulfilled' ? { status: status.value } : { statusError: (status.reason as Error).message }),
      };
    },
    close: () => self.close(),
  };
}
