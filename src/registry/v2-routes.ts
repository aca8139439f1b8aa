/**
 * The /v2/ pull API (OCI distribution spec 1.1, read side). Paths are parsed here by hand because
 * repository names contain slashes; every part is grammar-checked before anything goes upstream.
 */
import type { ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';
import { RegistryError } from '../errors.js';
import type { Router } from '../upstream/routing.js';
import type { Metrics } from '../telemetry/metrics.js';
import { requestTrace } from '../telemetry/trace-context.js';
import type { Logger } from '../log.js';
import type { BlobService } from './blob-service.js';
import type { ManifestService } from './manifest-service.js';
import type { ReferrersService } from './referrers-service.js';
import type { TagsService } from './tags-service.js';
import type { PullGate, PullRequest } from './pull-gate.js';
import { checkDigest, checkName, parseReference } from './reference.js';

export interface V2Deps {
  router: Router;
  manifests: ManifestService;
  blobs: BlobService;
  tags: TagsService;
  referrers: ReferrersService;
  gate: PullGate;
  metrics: Metrics;
  logger: Logger;
}

type Parsed =
  | { kind: 'base' }
  | { kind: 'manifest'; name: string; ref: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string }
  | { kind: 'upload'; name: string };

const MAX_PATH = 2048;

export function parseV2Path(path: string): Parsed | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path.length > MAX_PATH) throw new RegistryError('NAME_INVALID', `request path is longer than ${MAX_PATH} characters`);
  if (/(^|\/)\.{1,2}(\/|$)/.test(path) || /%2e|%2f|%5c|\\/i.test(path)) {
    throw new RegistryError('NAME_INVALID', 'invalid request path: dot segments, backslashes and encoded slashes or dots are not allowed');
  }
  let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  if (m) return { kind: 'manifest', name: m[1]!, ref: m[2]! };
  m = /^\/v2\/(.+)\/blobs\/uploads(\/.*)?$/.exec(path);
  if (m) return { kind: 'upload', name: m[1]! };
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
  if (m) return { kind: 'blob', name: m[1]!, digest: m[2]! };
  m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
  if (m) return { kind: 'tags', name: m[1]! };
  m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
  if (m) return { kind: 'referrers', name: m[1]!, digest: m[2]! };
  return undefined;
}

/**
 * `write(chunk)` for a response, resolving once the chunk is handed to the socket (so its buffer can be
 * reused) and rejecting when the client is gone.
 */
class ClientGoneError extends Error {
  constructor() { super('the client closed the connection'); }
}

function responseWriter(res: ServerResponse): (chunk: Buffer) => Promise<void> {
  let gone: Error | undefined;
  const waiting = new Set<(e: Error) => void>();
  res.once('close', () => {
    if (res.writableFinished) return;
    gone = new ClientGoneError();
    for (const fail of waiting) fail(gone);
  });
  return (chunk) => new Promise<void>((resolve, reject) => {
    if (gone || res.destroyed) return reject(gone ?? new ClientGoneError());
    waiting.add(reject);
    res.write(chunk, (err) => {
      waiting.delete(reject);
      if (err) reject(err);
      else resolve();
    });
  });
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function v2Routes(deps: V2Deps) {
  return async function v2(ctx: Context, next: Next): Promise<void> {
    if (!ctx.path.startsWith('/v2')) return next();
    const parsed = parseV2Path(ctx.path);
    if (!parsed) throw new RegistryError('NAME_UNKNOWN', `no such endpoint: ${ctx.method} ${ctx.path.slice(0, 200)}`, { status: 404 });
    ctx.state.route = parsed.kind;
    const method = ctx.method;
    if (parsed.kind === 'upload' || (method !== 'GET' && method !== 'HEAD')) {
      throw new RegistryError('UNSUPPORTED', 'this registry is a read-only pull-through mirror: pushes and deletes are not supported');
    }
    ctx.set('Docker-Distribution-API-Version', 'registry/2.0');
    if (parsed.kind === 'base') {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '{}';
      return;
    }
    const name = checkName(parsed.name);
    const ns = single(ctx.query.ns);
    const route = deps.router.resolve(name, ns);
    const trace = requestTrace(ctx.state);
    const pull: PullRequest = {
      route, clientName: name, method: method as 'GET' | 'HEAD', principal: ctx.state.principal, bypass: ctx.state.bypass?.(route.repository), trace,
      ...(parsed.kind === 'manifest' ? { reference: parsed.ref } : {}),
    };
    ctx.state.repository = `${route.upstream}/${route.repository}`;
    ctx.state.upstreamRoute = route; // the same, as its parts (the server span's attributes)

    switch (parsed.kind) {
      case 'manifest': {
        const ref = parseReference(parsed.ref);
        const m = await deps.manifests.get(route, ref, ctx.get('accept') || undefined, trace);
        await deps.gate.manifest(pull, m, ref.kind === 'tag');
        ctx.status = 200;
        ctx.set('Docker-Content-Digest', m.digest);
        ctx.set('Content-Type', m.mediaType);
        ctx.set('Content-Length', String(m.bytes.length));
        ctx.set('ETag', `"${m.digest}"`);
        // Koa answers HEAD with these headers and no body.
        ctx.body = m.bytes;
        ctx.type = m.mediaType;
        if (method === 'GET') deps.metrics.bytesServed.inc({ kind: 'manifest' }, m.bytes.length);
        return;
      }
      case 'blob': {
        const digest = checkDigest(parsed.digest);
        await deps.gate.blob(pull, digest);
        if (method === 'HEAD') {
          const a = await deps.blobs.head(route, digest, trace);
          ctx.status = 200;
          ctx.set('Docker-Content-Digest', digest);
          ctx.set('Accept-Ranges', 'bytes');
          ctx.type = 'application/octet-stream';
          if (a.size !== undefined) ctx.set('Content-Length', String(a.size));
          ctx.body = null;
          ctx.status = 200;
          if (a.size !== undefined) ctx.set('Content-Length', String(a.size));
          return;
        }
        const a = await deps.blobs.get(route, digest, ctx.get('range') || undefined, trace, 'send');
        const res = ctx.res;
        ctx.status = a.status;
        ctx.respond = false;
        const headers: Record<string, string> = {
          'content-type': 'application/octet-stream',
          'docker-content-digest': digest,
          'accept-ranges': 'bytes',
          'docker-distribution-api-version': 'registry/2.0',
        };
        if (a.range) {
          headers['content-range'] = `bytes ${a.range.start}-${a.range.end}/${a.size}`;
          headers['content-length'] = String(a.range.end - a.range.start + 1);
        } else if (a.size !== undefined) {
          headers['content-length'] = String(a.size);
        }
        for (const [k, v] of Object.entries(ctx.response.headers)) if (!(k in headers) && v !== undefined) headers[k] = String(v);
        res.writeHead(a.status, headers);
        let sent = 0;
        try {
          const write = responseWriter(res);
          await a.send!(async (chunk) => { await write(chunk); sent += chunk.length; });
          res.end();
        } catch (e) {
          res.destroy(); // digest mismatch or upstream failure mid-stream: abort so the client cannot take it as complete
          if (!(e instanceof ClientGoneError)) deps.logger.warn('blob stream aborted', { digest: parsed.digest, sent, error: (e as Error).message });
        } finally {
          deps.metrics.bytesServed.inc({ kind: 'blob' }, sent);
        }
        return;
      }
      case 'tags': {
        const a = await deps.tags.list(route, name, { n: single(ctx.query.n), last: single(ctx.query.last), ns }, trace);
        ctx.status = 200;
        ctx.type = 'application/json';
        if (a.link) ctx.set('Link', a.link);
        ctx.body = a.body;
        return;
      }
      case 'referrers': {
        const digest = checkDigest(parsed.digest);
        const artifactType = single(ctx.query.artifactType);
        const a = await deps.referrers.list(route, digest, artifactType, trace);
        ctx.status = 200;
        ctx.type = 'application/vnd.oci.image.index.v1+json';
        if (a.filtered) ctx.set('OCI-Filters-Applied', 'artifactType');
        ctx.body = a.body;
        return;
      }
    }
  };
}
