/**
 * The gate's HTTP API:
 *   GET /api/v1/verdicts/<digest>  the latest Verdict (JSON)
 *   GET /api/v1/reports/<digest>   the latest Report (JSON), or a page for a person (Accept: text/html)
 *   GET /api/v1/sbom/<digest>      CycloneDX 1.5 JSON from the latest Report
 *   GET /api/v1/pulls?limit=N      recent pulls with their verdicts (for the dashboard)
 *   GET /api/v1/status             database, scan queue and verdict store status
 *   GET /api/v1/static/report.css  the report page's stylesheet
 * Errors are JSON `{"error": "…"}` with 400/404/503.
 */
import { pullsWithVerdicts } from '../verdicts/pulls-with-verdicts.js';
import type { Context, Next } from 'koa';
import type { Decider } from '../gate/decider.js';
import type { ScanQueue } from '../gate/scan-queue.js';
import type { VulnDbHolder } from '../gate/vulndb-holder.js';
import type { RequestOrigin } from '../gate/request-origin.js';
import type { VerdictStore } from '../verdicts/index.js';
import { toCycloneDx } from './cyclonedx.js';
import { PAGE_STYLE, setHtmlSecurityHeaders, STYLESHEET_PATH } from './html.js';
import { renderReportPage } from './report-page.js';

export interface ApiDeps {
  store: VerdictStore;
  decider: Decider;
  vulndb: VulnDbHolder;
  queue: ScanQueue;
  /** report links point at the origin the client used (or server.publicUrl) */
  origin: RequestOrigin;
  /** hosts of the upstream registries by upstream name, for SBOM image purls */
  upstreamHosts: Record<string, string>;
}

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const ROUTE = /^\/api\/v1\/(verdicts|reports|sbom)\/([^/]+)$/;

function json(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = JSON.stringify(body);
}

export function apiRoutes(deps: ApiDeps) {
  return async function api(ctx: Context, next: Next): Promise<void> {
    if (!ctx.path.startsWith('/api/v1/')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      return json(ctx, 405, { error: `${ctx.method} is not supported here` });
    }
    try {
      if (ctx.path === '/api/v1/pulls') return await pulls(ctx, deps);
      if (ctx.path === '/api/v1/status') return await status(ctx, deps);
      if (ctx.path === STYLESHEET_PATH) {
        ctx.status = 200;
        ctx.type = 'text/css; charset=utf-8';
        ctx.set('Cache-Control', 'public, max-age=3600');
        ctx.body = PAGE_STYLE;
        return;
      }
      const m = ROUTE.exec(ctx.path);
      if (!m) return json(ctx, 404, { error: `no such endpoint: ${ctx.path.slice(0, 200)}` });
      ctx.state.route = `api_${m[1]}`;
      const digest = decodeURIComponent(m[2]!);
      if (!DIGEST.test(digest)) return json(ctx, 400, { error: 'expected a digest like sha256:<64 hex>' });
      if (m[1] === 'verdicts') return await verdict(ctx, deps, digest);
      if (m[1] === 'reports') return await report(ctx, deps, digest);
      return await sbom(ctx, deps, digest);
    } catch (e) {
      return json(ctx, 503, { error: (e as Error).message });
    }
  };
}

async function verdict(ctx: Context, deps: ApiDeps, digest: string): Promise<void> {
  const v = await deps.store.getLatestVerdict(digest);
  if (!v) return json(ctx, 404, { error: `no verdict for ${digest}: it has not been pulled through this gateway` });
  json(ctx, 200, { ...v, reportUrl: deps.origin.reportUrl(digest, deps.origin.of(ctx)) });
}

async function report(ctx: Context, deps: ApiDeps, digest: string): Promise<void> {
  const [r, v] = await Promise.all([deps.store.getLatestReport(digest), deps.store.getLatestVerdict(digest)]);
  if (ctx.accepts('application/json', 'text/html') === 'text/html') {
    if (!r && !v) {
      setHtmlSecurityHeaders(ctx);
      ctx.status = 404;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = `<!doctype html><meta charset="utf-8"><title>No report</title><p>No report for ${digest.replace(/[^a-z0-9:]/g, '')}: it has not been pulled through this gateway.</p>`;
      return;
    }
    const policy = v ? deps.decider.policyFor({ upstream: v.upstream ?? '', repository: v.repository }).policy : undefined;
    setHtmlSecurityHeaders(ctx);
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderReportPage({ digest, report: r, verdict: v, policy, now: new Date() });
    return;
  }
  if (!r) {
    const platforms = v?.platforms?.map((p) => ({ ...p, report: `/api/v1/reports/${p.digest}` }));
    return json(ctx, 404, { error: platforms ? `${digest} is an index: each platform has its own report` : `no report for ${digest}`, ...(platforms ? { platforms } : {}) });
  }
  json(ctx, 200, r);
}

async function sbom(ctx: Context, deps: ApiDeps, digest: string): Promise<void> {
  const [r, v] = await Promise.all([deps.store.getLatestReport(digest), deps.store.getLatestVerdict(digest)]);
  if (!r) return json(ctx, 404, { error: `no scan report for ${digest}` });
  const repository = v?.repository ?? r.target.split('@')[0]!;
  const registry = v?.upstream ? deps.upstreamHosts[v.upstream] : undefined;
  ctx.status = 200;
  ctx.type = 'application/vnd.cyclonedx+json; version=1.5';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = JSON.stringify(toCycloneDx(r, { repository, ...(registry ? { registry } : {}) }));
}

async function pulls(ctx: Context, deps: ApiDeps): Promise<void> {
  ctx.state.route = 'api_pulls';
  const raw = Number(ctx.query.limit ?? 50);
  const limit = Number.isFinite(raw) ? Math.max(1, Math.min(500, Math.floor(raw))) : 50;
  const withVerdicts = await pullsWithVerdicts(deps.store, limit);
  json(ctx, 200, { pulls: withVerdicts });
}

async function status(ctx: Context, deps: ApiDeps): Promise<void> {
  ctx.state.route = 'api_status';
  let store: { kind: string; reachable: boolean; error?: string };
  try {
    await deps.store.ping();
    store = { kind: deps.store.kind, reachable: true };
  } catch (e) {
    store = { kind: deps.store.kind, reachable: false, error: (e as Error).message };
  }
  json(ctx, 200, { vulndb: deps.vulndb.status(), queue: { waiting: deps.queue.waiting, running: deps.queue.running }, verdictStore: store });
}
