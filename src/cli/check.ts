/**
 * `portcullis check IMAGE --server URL [--token T] [--format text|json]`: asks a running gateway
 * for its verdict on IMAGE — GET the manifest through /v2/ (which decides, exactly as a pull would),
 * then GET /api/v1/verdicts/<digest>. While the first scan runs (503 + Retry-After) it waits, up to
 * 5 minutes. Prints a summary (or the Verdict JSON); exit 0 allowed, 1 denied, 2 usage or runtime error.
 */
import { createHash } from 'node:crypto';
import { flag, parseArgs, UsageError } from './args.js';
import type { Verdict } from '../verdicts/types.js';
import { reasonsSummary } from '../gate/denial.js';

/** how long check keeps retrying while the gateway answers 503 + Retry-After */
const WAIT_LIMIT_MS = 5 * 60_000;

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface ImageRef {
  /** registry host named in IMAGE (sent as ?ns=), if any */
  registry?: string;
  repository: string;
  reference: string;
}

/** `[host[:port]/]name[:tag][@digest]`; a first component with a dot or a port, or `localhost`, is a registry. */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  if (!rest || /\s/.test(rest)) throw new UsageError(`invalid image reference ${JSON.stringify(image)}`);
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)) throw new UsageError(`invalid repository name in ${JSON.stringify(image)}`);
  return { ...(registry ? { registry } : {}), repository: rest, reference };
}

export function formatVerdict(image: string, v: Verdict): string {
  const state = v.decision === 'deny' ? 'DENIED' : v.wouldDeny ? 'ALLOWED (audit mode: enforce mode would deny)' : 'ALLOWED';
  const counts = Object.entries(v.summary).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ') || 'no known vulnerabilities';
  const lines = [`${image} ${v.digest}: ${state} (${v.mode} mode)`, `  findings: ${counts}`];
  if (v.reasons.length) lines.push(`  ${v.decision === 'deny' ? 'why' : 'would deny for'}: ${reasonsSummary(v.reasons)}`);
  if (v.error) lines.push(`  decision failed: ${v.error} (policy.onError decided)`);
  if (v.signature && !v.signature.skipped) lines.push(`  signature: ${v.signature.verified ? 'verified' : `not verified${v.signature.errors?.length ? ` (${v.signature.errors[0]})` : ''}`}`);
  if (v.platforms?.length) lines.push(`  platforms: ${v.platforms.map((p) => `${p.platform ?? p.digest} ${p.decision}`).join(', ')}`);
  lines.push(`  report: ${v.reportUrl}`);
  return lines.join('\n');
}

async function fetchJson(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(300_000) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function errorMessage(body: Buffer): { code?: string; message?: string; detail?: unknown } {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string; detail?: unknown }>; error?: string };
    return j.errors?.[0] ?? (j.error ? { message: j.error } : {});
  } catch {
    return {};
  }
}

export async function checkCommand(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const p = parseArgs(argv, { values: ['server', 'token', 'format'] });
  if (p.positional.length !== 1) throw new UsageError('check takes one IMAGE, e.g. check library/alpine:3.11 --server http://mirror:5000');
  const server = flag(p, 'server')?.replace(/\/+$/, '');
  if (!server || !/^https?:\/\//.test(server)) throw new UsageError('--server URL (http:// or https://) is required');
  const format = flag(p, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format is text or json');
  const image = p.positional[0]!;
  const ref = parseImageRef(image);
  const token = flag(p, 'token');
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ns = ref.registry ? `?ns=${encodeURIComponent(ref.registry)}` : '';
  const show = (v: Verdict) => out(format === 'json' ? `${JSON.stringify(v, null, 2)}\n` : `${formatVerdict(image, v)}\n`);
  try {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    let m = await fetchJson(`${server}/v2/${ref.repository}/manifests/${ref.reference}${ns}`, { ...headers, accept: ACCEPT });
    // 503 + Retry-After: the first scan is still running (or the gateway is briefly unable to decide)
    while (m.status === 503 && m.headers.get('retry-after') && Date.now() < deadline) {
      const wait = Math.min(Number(m.headers.get('retry-after')) * 1000 || 5_000, Math.max(0, deadline - Date.now()));
      err(`portcullis check: ${errorMessage(m.body).message ?? 'not decided yet'}; retrying in ${Math.round(wait / 1000)}s\n`);
      await new Promise((r) => setTimeout(r, wait));
      m = await fetchJson(`${server}/v2/${ref.repository}/manifests/${ref.reference}${ns}`, { ...headers, accept: ACCEPT });
    }
    if (m.status === 403) {
      const e = errorMessage(m.body);
      if (e.code === 'DENIED' && e.detail && typeof e.detail === 'object') {
        show(e.detail as Verdict);
        return 1;
      }
      err(`portcullis check: ${image}: refused: ${e.message ?? 'HTTP 403'}\n`);
      return 2;
    }
    if (m.status === 401) {
      err(`portcullis check: ${server} needs a token: pass --token\n`);
      return 2;
    }
    if (m.status !== 200) {
      err(`portcullis check: ${image}: ${m.status}: ${errorMessage(m.body).message ?? 'unexpected answer'}\n`);
      return 2;
    }
    const digest = m.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(m.body).digest('hex')}`;
    const v = await fetchJson(`${server}/api/v1/verdicts/${digest}`, headers);
    if (v.status !== 200) {
      err(`portcullis check: ${image} was served (${digest}) but its verdict is not available: ${v.status} ${errorMessage(v.body).message ?? ''}\n`);
      return 2;
    }
    const verdict = JSON.parse(v.body.toString('utf8')) as Verdict;
    show(verdict);
    return verdict.decision === 'deny' ? 1 : 0;
  } catch (e) {
    err(`portcullis check: cannot reach ${server}: ${(e as Error).message}\n`);
    return 2;
  }
}
