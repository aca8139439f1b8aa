/**
 * The dashboard over plain HTTP, against the gateway composed as `serve` composes it
 * (auth.anonymous: false; the page reads the gate's API over loopback as the viewer):
 * access rules, security headers, HTML escaping of hostile names, the search and refresh options.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { Verdict } from '../../src/verdicts/types.js';
import { basicAuth, startDashboardWorld, type DashboardWorld } from '../fixtures/dashboard/dashboard-fixtures.js';

let world: DashboardWorld;

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') {
  const res = await request(world.gw.url + path, { method, headers: { accept: 'text/html', ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string | undefined>, text };
}
const asOps = () => ({ authorization: basicAuth(world.tokens.ops) });

before(async () => {
  world = await startDashboardWorld('dash-http');
});

after(async () => {
  await world?.stop();
});

test('without credentials: 401 asking a browser for Basic credentials, for the page and its assets', async () => {
  for (const path of ['/', '/?q=oldssl', '/dashboard.css', '/favicon.svg']) {
    const r = await get(path);
    assert.equal(r.status, 401, path);
    assert.match(r.headers['www-authenticate'] ?? '', /^Basic realm="portcullis"/, path);
    assert.doesNotMatch(r.text, /oldssl|Pulls and verdicts/, path);
  }
  const wrong = await get('/', { authorization: basicAuth('pcs_not-a-token') });
  assert.equal(wrong.status, 401);
});

test('a token without admin is refused (403); an admin token gets the page, as Basic or Bearer', async () => {
  const ci = await get('/', { authorization: basicAuth(world.tokens.ci) });
  assert.equal(ci.status, 403);
  assert.match(ci.text, /lacks the admin scope/);
  assert.doesNotMatch(ci.text, /library\/oldssl/);

  for (const authorization of [basicAuth(world.tokens.ops), `Bearer ${world.tokens.ops}`]) {
    const r = await get('/', { authorization });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /^text\/html; charset=utf-8/);
    // The data came over loopback from /api/v1 with the viewer's credentials.
    assert.match(r.text, /<span class="repo">library\/<wbr>oldssl<\/span>/);
    assert.doesNotMatch(r.text, /Could not read/);
  }
});

test('security headers: a CSP with no inline script or style, nosniff, no framing, no caching', async () => {
  const r = await get('/', asOps());
  const csp = r.headers['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.doesNotMatch(r.text, /<script|\sstyle=|\son[a-z]+=/i, 'no script, no inline style, no inline handlers');
  assert.match(r.text, /<link rel="stylesheet" href="\/dashboard\.css">/);

  const css = await get('/dashboard.css', asOps());
  assert.equal(css.status, 200);
  assert.match(css.headers['content-type'] ?? '', /^text\/css/);
  assert.equal(css.headers['x-content-type-options'], 'nosniff');
  assert.doesNotMatch(css.text, /@import|url\(/, 'nothing loaded from elsewhere');
});

test('hostile repository, tag, error and query text is escaped', async () => {
  const digest = `sha256:${'e'.repeat(64)}`;
  const evil = '<script>alert(1)</script>';
  await world.gate.store.recordPulls([{ upstream: 'local', repository: `x/${evil}`, tag: '"><img src=x onerror=alert(2)>', digest, lastPulledAt: new Date().toISOString() }]);
  const verdict: Verdict = {
    digest, repository: `x/${evil}`, decision: 'deny', mode: 'enforce', reasons: [{ kind: 'error', message: evil }],
    summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }, signature: { verified: false, skipped: true },
    policyHash: 'p', dbVersion: '<b>db</b>', decidedAt: new Date().toISOString(), reportUrl: 'javascript:alert(3)', error: '<iframe src="//evil.example">',
  };
  await world.gate.store.putLatestVerdict(verdict);

  const r = await get(`/?q=${encodeURIComponent('"><script>alert(4)</script>')}`, asOps());
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.text, /<script|<img|<iframe|javascript:/i);
  assert.match(r.text, /value="&quot;&gt;&lt;script&gt;alert\(4\)&lt;\/script&gt;"/, 'the query is echoed escaped in the search box');

  const all = await get('/', asOps());
  assert.doesNotMatch(all.text, /<script|<img|<iframe|javascript:/i);
  assert.ok(all.text.includes('&lt;script&gt;alert(1)&lt;/<wbr>script&gt;'), 'repository shown as text');
  assert.ok(all.text.includes(':&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'), 'tag shown as text');
  assert.ok(all.text.includes('scan failed: &lt;iframe src=&quot;//evil.example&quot;&gt;'), 'error shown as text');
  assert.ok(all.text.includes(`href="/api/v1/reports/${digest}"`), 'the report link is built from the digest, not a stored URL');
});

test('search narrows every list; HEAD answers without a body; other methods are refused', async () => {
  const r = await get('/?q=library/clean', asOps());
  assert.match(r.text, /library\/<wbr>clean/);
  assert.doesNotMatch(r.text, /<span class="repo">library\/<wbr>oldssl/);
  assert.match(r.text, /No denied images match “library\/clean”/);

  const head = await get('/', asOps(), 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');

  const post = await get('/', asOps(), 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('auto-refresh is opt-in and bounded', async () => {
  assert.doesNotMatch((await get('/', asOps())).text, /http-equiv="refresh"/);
  assert.match((await get('/?refresh=30', asOps())).text, /<meta http-equiv="refresh" content="30">/);
  assert.match((await get('/?refresh=1', asOps())).text, /<meta http-equiv="refresh" content="10">/);
  assert.doesNotMatch((await get('/?refresh=%22%3E', asOps())).text, /http-equiv="refresh"/);
});
