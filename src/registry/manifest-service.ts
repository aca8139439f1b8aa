/**
 * Manifests through the cache: by digest (immutable, verified), by tag (tag → digest trusted for
 * storage.tagTtl, then revalidated with a HEAD, which Docker Hub does not count against its limit),
 * stale-if-error when the upstream fails. Concurrent fetches of the same reference share one request.
 */
import { RegistryError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { ManifestStore, StoredManifest } from '../storage/manifest-store.js';
import { digestOf, algorithmOf } from '../storage/digest.js';
import { header, type UpstreamResponse } from '../upstream/client.js';
import type { Route } from '../upstream/routing.js';
import { SingleFlight } from '../util/single-flight.js';
import { cacheLookup, tracedTagResolve } from '../telemetry/spans.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { ALL_MANIFEST_TYPES, accepts, manifestMediaType } from './media-types.js';
import type { Reference } from './reference.js';
import { fromUpstreamError, fromUpstreamResponse, isTransient } from './upstream-errors.js';
import type { Upstreams } from './upstreams.js';

export interface ManifestServiceOptions {
  tagTtlMs: number;
  maxManifestBytes: number;
}

export class ManifestService {
  private readonly flights = new SingleFlight<StoredManifest>();

  constructor(
    private readonly upstreams: Upstreams,
    private readonly store: ManifestStore,
    private readonly opts: ManifestServiceOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The manifest for a reference, from cache or upstream. `accept` is the client's Accept header. */
  async get(route: Route, ref: Reference, accept: string | undefined, trace: TraceContext): Promise<StoredManifest> {
    if (ref.kind === 'digest') return this.byDigest(route, ref.digest, accept, trace);
    return tracedTagResolve(trace, ref.tag, (ctx) => this.byTag(route, ref.tag, accept, ctx));
  }

  async byDigest(route: Route, digest: string, accept: string | undefined, trace: TraceContext): Promise<StoredManifest> {
    const cached = await cacheLookup(trace, 'manifest', () => this.store.get(digest));
    if (cached) {
      this.metrics.cacheHits.inc({ cache: 'manifest' });
      return cached;
    }
    this.metrics.cacheMisses.inc({ cache: 'manifest' });
    return this.flights.run(`${route.upstream}/${route.repository}@${digest}`, async () => {
      const m = await this.fetch(route, digest, accept, trace);
      if (m.digest !== digest) {
        this.metrics.digestMismatches.inc({ kind: 'manifest' });
        throw new RegistryError('UPSTREAM_ERROR', `upstream ${route.upstream} sent a manifest for ${route.repository}@${digest} whose content hashes to ${m.digest}; refusing it`);
      }
      await this.store.put(m);
      return m;
    });
  }

  private async byTag(route: Route, tag: string, accept: string | undefined, trace: TraceContext): Promise<StoredManifest> {
    const entry = await cacheLookup(trace, 'tag', () => this.store.getTag(route.upstream, route.repository, tag));
    const usable = entry && accepts(accept, entry.mediaType) ? entry : undefined;
    if (usable && this.now() - usable.checkedAt < this.opts.tagTtlMs) {
      const m = await this.store.get(usable.digest);
      if (m) {
        this.metrics.cacheHits.inc({ cache: 'tag' });
        return m;
      }
    }
    this.metrics.cacheMisses.inc({ cache: 'tag' });
    const key = `${route.upstream}/${route.repository}:${tag}\n${accept ?? ''}`;
    return this.flights.run(key, async () => {
      try {
        if (usable) {
          const fresh = await this.revalidate(route, tag, accept, usable.digest, trace);
          if (fresh) {
            const m = await this.store.get(usable.digest);
            if (m) {
              await this.store.touchTag(route.upstream, route.repository, tag, usable, this.now());
              return m;
            }
          }
        }
        const m = await this.fetch(route, tag, accept, trace);
        await this.store.put(m);
        await this.store.putTag(route.upstream, route.repository, tag, { digest: m.digest, mediaType: m.mediaType, checkedAt: this.now() });
        return m;
      } catch (e) {
        const err = fromUpstreamError(e);
        if (usable && isTransient(err)) {
          const stale = await this.store.get(usable.digest);
          if (stale) {
            this.metrics.staleServed.inc({ kind: 'manifest' });
            this.logger.warn('serving cached tag while the upstream fails', { upstream: route.upstream, repository: route.repository, tag, digest: usable.digest, error: err.message });
            return stale;
          }
        }
        throw err;
      }
    });
  }

  /** HEAD by tag: true when the upstream still points the tag at `digest`. */
  private async revalidate(route: Route, tag: string, accept: string | undefined, digest: string, trace: TraceContext): Promise<boolean> {
    const client = this.upstreams.get(route.upstream);
    let res: UpstreamResponse;
    try {
      res = await client.request('manifest', `/v2/${route.repository}/manifests/${tag}`, {
        method: 'HEAD', repository: route.repository, headers: { accept: accept || ALL_MANIFEST_TYPES }, trace,
      });
    } catch (e) {
      throw fromUpstreamError(e);
    }
    await res.body.dump().catch(() => {});
    if (res.status !== 200) {
      if (res.status === 404) return false; // fall through to GET, which reports the 404
      throw await fromUpstreamResponse(route.upstream, res, `${route.repository}:${tag}`, 'MANIFEST_UNKNOWN');
    }
    const upstreamDigest = header(res.headers, 'docker-content-digest');
    return upstreamDigest === digest;
  }

  /** GET a manifest upstream, bounded in size, its digest computed from the exact bytes. */
  private async fetch(route: Route, reference: string, accept: string | undefined, trace: TraceContext): Promise<StoredManifest> {
    const client = this.upstreams.get(route.upstream);
    const what = `${route.repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    let res: UpstreamResponse;
    try {
      res = await client.request('manifest', `/v2/${route.repository}/manifests/${reference}`, {
        repository: route.repository, headers: { accept: accept || ALL_MANIFEST_TYPES }, trace,
      });
    } catch (e) {
      throw fromUpstreamError(e);
    }
    if (res.status !== 200) throw await fromUpstreamResponse(route.upstream, res, `manifest ${what}`, 'MANIFEST_UNKNOWN');
    const bytes = await readBounded(res, this.opts.maxManifestBytes, () =>
      new RegistryError('MANIFEST_INVALID', `manifest ${what} from upstream ${route.upstream} exceeds the ${this.opts.maxManifestBytes}-byte manifest limit`, { status: 502 }));
    const algorithm = reference.includes(':') ? algorithmOf(reference) : 'sha256';
    const digest = digestOf(bytes, algorithm);
    const announced = header(res.headers, 'docker-content-digest');
    if (announced && announced.startsWith(`${algorithm}:`) && announced !== digest) {
      this.metrics.digestMismatches.inc({ kind: 'manifest' });
      throw new RegistryError('UPSTREAM_ERROR', `upstream ${route.upstream} announced ${announced} for manifest ${what} but its content hashes to ${digest}; refusing it`);
    }
    return { digest, mediaType: manifestMediaType(header(res.headers, 'content-type'), bytes), bytes };
  }
}

async function readBounded(res: UpstreamResponse, max: number, tooBig: () => Error): Promise<Buffer> {
  const len = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(len) && len > max) {
    res.body.destroy();
    throw tooBig();
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > max) {
      res.body.destroy();
      throw tooBig();
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
