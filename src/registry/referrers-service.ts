/**
 * referrers/<digest>: the upstream's OCI 1.1 referrers API, or — when it lacks one (404) — the
 * referrers tag schema (`sha256-<hex>` index). Filtered by artifactType either way.
 */
import { RegistryError } from '../errors.js';
import { header } from '../upstream/client.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Route } from '../upstream/routing.js';
import { OCI_INDEX } from './media-types.js';
import { fromUpstreamError, fromUpstreamResponse } from './upstream-errors.js';
import type { Upstreams } from './upstreams.js';

export interface Descriptor { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }
export interface ReferrersAnswer { body: string; filtered: boolean; manifests: Descriptor[] }

const MAX_REFERRERS_BYTES = 4 * 1024 * 1024;

export class ReferrersService {
  constructor(private readonly upstreams: Upstreams) {}

  async list(route: Route, digest: string, artifactType: string | undefined, trace: TraceContext): Promise<ReferrersAnswer> {
    const client = this.upstreams.get(route.upstream);
    const qs = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await client.request('referrers', `/v2/${route.repository}/referrers/${digest}${qs}`, { repository: route.repository, headers: { accept: OCI_INDEX }, trace })
      .catch((e) => { throw fromUpstreamError(e); });
    let manifests: Descriptor[];
    if (res.status === 200) {
      manifests = parseIndex(await readSmall(res.body), route.upstream);
    } else if (res.status === 404 || res.status === 405 || res.status === 400) {
      await res.body.dump().catch(() => {});
      manifests = await this.fromTagSchema(route, digest, trace);
    } else {
      throw await fromUpstreamResponse(route.upstream, res, `referrers of ${digest}`, 'MANIFEST_UNKNOWN');
    }
    void header;
    const selected = artifactType ? manifests.filter((m) => m.artifactType === artifactType) : manifests;
    return {
      body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: selected }),
      filtered: artifactType !== undefined,
      manifests: selected,
    };
  }

  private async fromTagSchema(route: Route, digest: string, trace: TraceContext): Promise<Descriptor[]> {
    const tag = digest.replace(':', '-');
    const client = this.upstreams.get(route.upstream);
    const res = await client.request('referrers', `/v2/${route.repository}/manifests/${tag}`, { repository: route.repository, headers: { accept: OCI_INDEX }, trace })
      .catch((e) => { throw fromUpstreamError(e); });
    if (res.status === 404) { await res.body.dump().catch(() => {}); return []; }
    if (res.status !== 200) throw await fromUpstreamResponse(route.upstream, res, `referrers tag ${tag}`, 'MANIFEST_UNKNOWN');
    return parseIndex(await readSmall(res.body), route.upstream);
  }
}

async function readSmall(body: AsyncIterable<unknown> & { destroy(): void }): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const c of body) {
    total += (c as Buffer).length;
    if (total > MAX_REFERRERS_BYTES) { body.destroy(); throw new RegistryError('UPSTREAM_ERROR', 'upstream referrers index is over 4 MiB'); }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

function parseIndex(bytes: Buffer, upstream: string): Descriptor[] {
  let j: { manifests?: unknown };
  try {
    j = JSON.parse(bytes.toString('utf8')) as typeof j;
  } catch {
    throw new RegistryError('UPSTREAM_ERROR', `upstream ${upstream} sent an unreadable referrers index`);
  }
  if (!Array.isArray(j.manifests)) return [];
  return j.manifests.filter((d): d is Descriptor =>
    !!d && typeof d === 'object' && typeof (d as Descriptor).digest === 'string' && typeof (d as Descriptor).mediaType === 'string' && typeof (d as Descriptor).size === 'number');
}
