/** tags/list passed through with `n`/`last` checked and the `Link` header rewritten to the client's name. */
import { RegistryError } from '../errors.js';
import { header } from '../upstream/client.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Route } from '../upstream/routing.js';
import { TAG_RE } from './reference.js';
import { fromUpstreamError, fromUpstreamResponse } from './upstream-errors.js';
import type { Upstreams } from './upstreams.js';

export interface TagsAnswer { body: string; link?: string }

export class TagsService {
  constructor(private readonly upstreams: Upstreams) {}

  async list(route: Route, clientName: string, query: { n?: string; last?: string; ns?: string }, trace: TraceContext): Promise<TagsAnswer> {
    const params = new URLSearchParams();
    if (query.n !== undefined) {
      if (!/^\d{1,6}$/.test(query.n)) throw new RegistryError('UNSUPPORTED', `n must be a positive integer, got ${JSON.stringify(query.n.slice(0, 20))}`, { status: 400 });
      params.set('n', query.n);
    }
    if (query.last !== undefined) {
      if (!TAG_RE.test(query.last)) throw new RegistryError('UNSUPPORTED', 'last must be a tag', { status: 400 });
      params.set('last', query.last);
    }
    const qs = params.toString();
    const client = this.upstreams.get(route.upstream);
    const res = await client.request('tags', `/v2/${route.repository}/tags/list${qs ? `?${qs}` : ''}`, { repository: route.repository, trace })
      .catch((e) => { throw fromUpstreamError(e); });
    if (res.status !== 200) throw await fromUpstreamResponse(route.upstream, res, `tags of ${route.repository}`, 'NAME_UNKNOWN');
    const text = await res.body.text();
    let body: { name?: string; tags?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new RegistryError('UPSTREAM_ERROR', `upstream ${route.upstream} sent an unreadable tag list for ${route.repository}`);
    }
    let tags = Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    const upstreamLink = header(res.headers, 'link');
    if (upstreamLink) return { body: JSON.stringify({ name: clientName, tags }), link: rewriteLink(upstreamLink, clientName, query.ns) };
    // An upstream without pagination (distribution 2.8 ignores n/last) sent everything: paginate here, in lexical order.
    tags = [...new Set(tags)].sort();
    if (query.last !== undefined) tags = tags.filter((t) => t > query.last!);
    const n = query.n !== undefined ? Number(query.n) : undefined;
    if (n === undefined || tags.length <= n) return { body: JSON.stringify({ name: clientName, tags }) };
    const page = tags.slice(0, n);
    const next = new URLSearchParams({ n: String(n), last: page[page.length - 1] ?? "" });
    if (query.ns) next.set("ns", query.ns);
    return { body: JSON.stringify({ name: clientName, tags: page }), link: `</v2/${clientName}/tags/list?${next.toString()}>; rel="next"` };
  }
}

/** `</v2/library/alpine/tags/list?n=2&last=b>; rel="next"` → the same page under the client's name. */
export function rewriteLink(link: string | undefined, clientName: string, ns?: string): string | undefined {
  if (!link) return undefined;
  const m = /<([^>]*)>\s*;\s*rel="?next"?/.exec(link);
  if (!m) return undefined;
  const u = new URL(m[1]!, 'http://upstream.invalid');
  const params = new URLSearchParams();
  const n = u.searchParams.get('n');
  const last = u.searchParams.get('last');
  if (n) params.set('n', n);
  if (last) params.set('last', last);
  if (ns) params.set('ns', ns);
  return `</v2/${clientName}/tags/list?${params.toString()}>; rel="next"`;
}
