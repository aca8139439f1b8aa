/**
 * The network edge: CIDR allowlists (IPv4, IPv6, IPv4-mapped), X-Forwarded-For from trusted proxies
 * only, per-token rate limits with Retry-After, and anonymous mode.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';
import { createLogger } from '../../src/log.js';
import { authExtension } from '../../src/auth/wire.js';
import { createToken } from '../../src/auth/token-admin.js';
import type { ConfigInput } from '../../src/config/schema.js';

const dir = await mkdtemp(path.join(tmpdir(), 'pc-authnet-'));
const tokensFile = path.join(dir, 'tokens.json');
const ci = (await createToken(tokensFile, { name: 'ci', scopes: ['pull:library/*'] })).token;
const other = (await createToken(tokensFile, { name: 'other', scopes: ['pull:library/*'] })).token;
const gateways: TestGateway[] = [];
after(async () => {
  for (const g of gateways) await g.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A gateway whose only upstream is a closed loopback port: anything that passes auth and goes upstream gets 502. */
async function gateway(auth: ConfigInput['auth'], server: Partial<NonNullable<ConfigInput['server']>> = {}, logs?: string[]) {
  const g = await startTestGateway({
    server: { listen: '127.0.0.1:0', ...server },
    upstreams: { nowhere: { url: 'http://127.0.0.1:9', insecure: true, retries: 0 } },
    auth: { tokensFile, ...auth },
  }, { extend: authExtension, logger: logs ? createLogger('debug', {}, (l) => { logs.push(l); }) : undefined });
  gateways.push(g);
  return g;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string>, json: () => JSON.parse(text) };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

test('allowCidrs: other addresses are refused before auth and counted; probes stay reachable', async () => {
  const logs: string[] = [];
  const g = await gateway({ anonymous: true, allowCidrs: ['10.0.0.0/8', '2001:db8::/32'] }, {}, logs);
  const r = await get(`${g.url}/v2/`, bearer(ci));
  assert.equal(r.status, 403);
  assert.equal(r.json().errors[0].code, 'DENIED');
  assert.match(r.json().errors[0].message, /requests from 127\.0\.0\.1 are not allowed here \(auth\.allowCidrs\)/);
  assert.equal((await get(`${g.url}/token`)).status, 403, '/token is behind the allowlist too');
  assert.equal((await get(`${g.url}/metrics`)).status, 403);
  assert.equal((await get(`${g.url}/healthz`)).status, 200);
  assert.equal((await get(`${g.url}/readyz`)).status, 200);
  const counted = (await g.core.metrics.authDecisions.get()).values.find((v) => v.labels.result === 'cidr_denied')?.value;
  assert.equal(counted, 3, 'counted (read in-process: /metrics is refused to this address too)');
  const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'audit' && l.result === 'cidr_denied');
  assert.equal(line?.decision, 'deny');
  assert.equal(line?.ip, '127.0.0.1');
});

test('X-Forwarded-For counts only from trusted proxies', async () => {
  const trusting = await gateway({ anonymous: true, allowCidrs: ['10.0.0.0/8'] }, { trustedProxies: ['127.0.0.1/32'] });
  assert.equal((await get(`${trusting.url}/v2/`, { 'x-forwarded-for': '10.1.2.3' })).status, 200);
  assert.equal((await get(`${trusting.url}/v2/`, { 'x-forwarded-for': '10.1.2.3, 192.0.2.1' })).status, 403, 'the rightmost untrusted hop is the client');
  assert.equal((await get(`${trusting.url}/v2/`, { 'x-forwarded-for': 'bogus' })).status, 403, 'garbage fails closed');
  const notTrusting = await gateway({ anonymous: true, allowCidrs: ['10.0.0.0/8'] }, { trustedProxies: ['192.0.2.0/24'] });
  assert.equal((await get(`${notTrusting.url}/v2/`, { 'x-forwarded-for': '10.1.2.3' })).status, 403, 'a spoofed header from an untrusted peer is ignored');
});

test('IPv6 clients and IPv4 clients on a dual-stack socket (::ffff:127.0.0.1)', async () => {
  const v6 = await gateway({ anonymous: true, allowCidrs: ['::1/128'] }, { listen: '[::1]:0' });
  assert.match(v6.url, /^http:\/\/\[::1\]:\d+$/);
  assert.equal((await get(`${v6.url}/v2/`)).status, 200);
  const v6only = await gateway({ anonymous: true, allowCidrs: ['127.0.0.0/8'] }, { listen: '[::1]:0' });
  assert.equal((await get(`${v6only.url}/v2/`)).status, 403);
  const dual = await gateway({ anonymous: true, allowCidrs: ['127.0.0.0/8'] }, { listen: '[::]:0' });
  const port = new URL(dual.url).port;
  assert.equal((await get(`http://127.0.0.1:${port}/v2/`)).status, 200, 'the mapped address matches the IPv4 range');
  assert.equal((await get(`http://[::1]:${port}/v2/`)).status, 403);
});

test('rate limit per token: burst, then 429 TOOMANYREQUESTS with Retry-After; other tokens unaffected', async () => {
  const g = await gateway({ anonymous: false, rateLimit: 0.5, rateBurst: 3 });
  for (let i = 0; i < 3; i++) assert.equal((await get(`${g.url}/v2/`, bearer(ci))).status, 200);
  const limited = await get(`${g.url}/v2/`, bearer(ci));
  assert.equal(limited.status, 429);
  assert.equal(limited.json().errors[0].code, 'TOOMANYREQUESTS');
  assert.match(limited.json().errors[0].message, /for token 'ci'/);
  assert.equal(limited.headers['retry-after'], '2');
  assert.equal((await get(`${g.url}/v2/`, bearer(other))).status, 200);
  assert.equal(await metricValue(g.url, 'portcullis_auth_decisions_total', { result: 'rate_limited' }), 1);
});

test('anonymous: true keeps /v2/ open; tokens still identify callers; bad credentials are still refused', async () => {
  const logs: string[] = [];
  const g = await gateway({ anonymous: true }, {}, logs);
  assert.equal((await get(`${g.url}/v2/`)).status, 200);
  const out = await get(`${g.url}/v2/acme/app/manifests/1`, bearer(ci));
  assert.equal(out.status, 502, 'past auth (anonymous could pull it too): the absent upstream answers');
  assert.equal((await get(`${g.url}/v2/`, bearer('pcs_' + 'x'.repeat(43)))).status, 401);
  assert.equal((await get(`${g.url}/api/v1/admin/x`)).status, 401, 'admin endpoints always need admin');
  assert.equal((await get(`${g.url}/`)).status, 404, 'pages are open: past auth, no dashboard in this test');
  const lines = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit');
  assert.ok(lines.some((l) => l.who === 'ci' && l.repository === 'nowhere/acme/app' && l.decision === 'allow'));
  assert.ok(lines.some((l) => l.who === 'anonymous' && l.path === '/v2/' && l.decision === 'allow'));
});

test('invalid CIDRs stop the start with the config path', async () => {
  await assert.rejects(gateway({ allowCidrs: ['10.0.0.0/33'] }), /auth\.allowCidrs\[0\]: invalid CIDR "10\.0\.0\.0\/33"/);
  await assert.rejects(gateway({}, { trustedProxies: ['nope'] }), /server\.trustedProxies\[0\]/);
});
