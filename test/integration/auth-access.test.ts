/**
 * Access control against the real distribution registry: token forms, the Docker token flow,
 * scopes, expiry, revocation without restart, admin areas, break-glass, audit lines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, MediaType, type OciImage } from '../harness/ociImage.js';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';
import { createLogger } from '../../src/log.js';
import { mergeExtensions } from '../../src/main.js';
import { createAuthLayer, type AuthLayer } from '../../src/auth/wire.js';
import { createToken, revokeToken } from '../../src/auth/token-admin.js';
import type { PullGate, PullRequest } from '../../src/registry/pull-gate.js';

const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let gw: TestGateway;
let auth: AuthLayer;
let dir: string;
let tokensFile: string;
let image: OciImage;
const logs: string[] = [];
const pulls: PullRequest[] = [];
const tokens: Record<string, string> = {};

const recordingGate: PullGate = {
  async manifest(req) { pulls.push(req); },
  async blob() {},
};

before(async () => {
  reg = await startRegistry();
  image = await makeImage({ layers: [{ files: { 'etc/hello': 'hello\n' } }] });
  for (const repo of ['library/app', 'acme/app', 'acme/hotfix']) await pushImage(reg.url, repo, '1', image);
  dir = await mkdtemp(path.join(tmpdir(), 'pc-auth-'));
  tokensFile = path.join(dir, 'tokens.json');
  for (const [name, scopes] of Object.entries({ ci: ['pull:library/*'], ops: ['admin'], glass: ['pull:library/*', 'bypass:acme/hotfix'], all: ['pull:**'], noscope: ['admin'] })) {
    tokens[name] = (await createToken(tokensFile, { name, scopes, ttlMs: 3_600_000 })).token;
  }
  tokens.old = (await createToken(tokensFile, { name: 'old', scopes: ['pull:**'], ttlMs: 1000, now: new Date(Date.now() - 60_000) })).token;
  gw = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, registries: ['docker.io'], retries: 0 } },
    routing: { default: 'local' },
    auth: { anonymous: false, tokensFile },
  }, {
    logger: createLogger('debug', {}, (l) => { logs.push(l); }),
    extend: async (core) => {
      auth = await createAuthLayer(core);
      return mergeExtensions([auth.extensions, { gate: recordingGate }]);
    },
  });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function get(p: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET', body?: string) {
  const res = await request(gw.url + p, { method, headers: { accept: ACCEPT, ...headers }, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string>, text, json: () => JSON.parse(text) };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const basic = (user: string, t: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${t}`).toString('base64')}` });
const auditLines = () => logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit');

test('without credentials: 401 with the token-flow challenge; probes and metrics stay open', async () => {
  const r = await get('/v2/library/app/manifests/1');
  assert.equal(r.status, 401);
  assert.equal(r.json().errors[0].code, 'UNAUTHORIZED');
  assert.match(r.json().errors[0].message, /authentication required/);
  const host = new URL(gw.url).host;
  assert.equal(r.headers['www-authenticate'], `Bearer realm="${gw.url}/token",service="${host}",scope="repository:library/app:pull"`);
  const base = await get('/v2/');
  assert.equal(base.status, 401);
  assert.equal(base.headers['www-authenticate'], `Bearer realm="${gw.url}/token",service="${host}"`);
  for (const p of ['/healthz', '/metrics']) assert.equal((await get(p)).status, 200, p);
  assert.equal((await get('/api/v1/verdicts/sha256:' + '0'.repeat(64))).status, 401);
});

test('Bearer token and Basic with the token as password pull within scope', async () => {
  const r = await get('/v2/library/app/manifests/1', bearer(tokens.ci!));
  assert.equal(r.status, 200);
  assert.equal(r.headers['docker-content-digest'], image.digest);
  assert.equal((await get('/v2/library/app/manifests/1', basic('whoever', tokens.ci!))).status, 200);
  assert.equal((await get(`/v2/library/app/blobs/${image.layers[0]!.digest}`, bearer(tokens.ci!))).status, 200);
  assert.equal((await get('/v2/app/manifests/1?ns=docker.io', bearer(tokens.ci!))).status, 200, 'containerd form: library/ added, still in scope');
  assert.equal((await get('/v2/local/library/app/manifests/1', bearer(tokens.ci!))).status, 200, 'upstream-prefix form');
  assert.equal((await get('/v2/', bearer(tokens.ci!))).status, 200);
  assert.equal(pulls.at(-1)?.principal, 'ci');
});

test('outside its scope a token is refused with a message that says so', async () => {
  const r = await get('/v2/acme/app/manifests/1', bearer(tokens.ci!));
  assert.equal(r.status, 403);
  assert.equal(r.json().errors[0].code, 'DENIED');
  assert.equal(r.json().errors[0].message, "token 'ci' may pull library/* but not acme/app");
  const none = await get('/v2/library/app/manifests/1', bearer(tokens.noscope!));
  assert.equal(none.json().errors[0].message, "token 'noscope' has no pull scope: it may not pull library/app");
  assert.equal((await get('/v2/acme/app/manifests/1', bearer(tokens.all!))).status, 200);
});

test('invalid and expired tokens get 401 with a reason', async () => {
  const bad = await get('/v2/library/app/manifests/1', bearer('pcs_' + 'A'.repeat(43)));
  assert.equal(bad.status, 401);
  assert.match(bad.json().errors[0].message, /invalid token/);
  const old = await get('/v2/library/app/manifests/1', bearer(tokens.old!));
  assert.equal(old.status, 401);
  assert.match(old.json().errors[0].message, /^token 'old' expired at \d{4}-/);
  const pw = await get('/v2/library/app/manifests/1', basic('u', 'hunter2'));
  assert.match(pw.json().errors[0].message, /password is not a portcullis token/);
  const exchange = await get('/token?service=x&scope=repository:library/app:pull', basic('u', tokens.old!));
  assert.equal(exchange.status, 401);
  assert.match(exchange.json().errors[0].message, /expired/);
});

test('token flow: GET and POST /token give a JWT that works until the token is revoked', async () => {
  const g = await get('/token?service=s&scope=repository:library/app:pull&scope=repository:acme/app:pull&account=x', basic('x', tokens.ci!));
  assert.equal(g.status, 200);
  const body = g.json();
  assert.equal(body.token, body.access_token);
  assert.ok(body.expires_in > 800 && body.expires_in <= 900);
  const access = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString()).access;
  assert.deepEqual(access, [{ type: 'repository', name: 'library/app', actions: ['pull'] }, { type: 'repository', name: 'acme/app', actions: [] }]);
  assert.equal((await get('/v2/library/app/manifests/1', bearer(body.token))).status, 200);
  assert.equal((await get('/v2/acme/app/manifests/1', bearer(body.token))).status, 403);

  const form = new URLSearchParams({ grant_type: 'password', username: 'x', password: tokens.glass!, scope: 'repository:library/app:pull', service: 's', client_id: 'containerd' });
  const p = await get('/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'POST', form.toString());
  assert.equal(p.status, 200);
  const jwt = p.json().access_token as string;
  assert.equal((await get('/v2/library/app/manifests/1', bearer(jwt))).status, 200);

  assert.equal((await get('/token', basic('x', 'nope'))).status, 401);
  assert.equal((await get('/token')).status, 401);
  const badGrant = await get('/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'POST', 'grant_type=refresh_token&refresh_token=x');
  assert.equal(badGrant.status, 400);

  const reloaded = once(auth.store, 'reload');
  await revokeToken(tokensFile, 'glass');
  await reloaded;
  const after = await get('/v2/library/app/manifests/1', bearer(jwt));
  assert.equal(after.status, 401);
  assert.equal(after.json().errors[0].message, "token 'glass' has been revoked");
  assert.equal((await get('/v2/library/app/manifests/1', bearer(tokens.glass!))).status, 401);
  tokens.glass = (await createToken(tokensFile, { name: 'glass', scopes: ['pull:library/*', 'bypass:acme/hotfix'] })).token;
  await once(auth.store, 'reload');
});

test('break-glass: the gate sees bypass for the granted repository only, and the audit log says so loudly', async () => {
  pulls.length = 0;
  assert.equal((await get('/v2/acme/hotfix/manifests/1', bearer(tokens.glass!))).status, 200);
  assert.equal((await get('/v2/library/app/manifests/1', bearer(tokens.glass!))).status, 200);
  assert.deepEqual(pulls.map((p) => [p.clientName, p.bypass ?? false, p.principal]), [['acme/hotfix', true, 'glass'], ['library/app', false, 'glass']]);
  const loud = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'break-glass');
  assert.equal(loud.length, 1);
  assert.equal(loud[0].level, 'warn');
  assert.equal(loud[0].who, 'glass');
  assert.equal(loud[0].repository, 'local/acme/hotfix');
});

test('admin areas need the admin scope', async () => {
  const denied = await get('/api/v1/admin/anything', bearer(tokens.ci!));
  assert.equal(denied.status, 403);
  assert.match(denied.json().errors[0].message, /token 'ci' lacks the admin scope/);
  assert.equal((await get('/api/v1/admin/anything', bearer(tokens.ops!))).status, 404, 'past auth: no such route');
  assert.equal((await get('/', bearer(tokens.ci!))).status, 403, 'the dashboard is for admins when anonymous is off');
  const page = await get('/');
  assert.equal(page.status, 401);
  assert.match(page.headers['www-authenticate']!, /^Basic realm="portcullis"/, 'browsers get a login prompt');
  assert.equal((await get('/api/v1/verdicts/sha256:' + '0'.repeat(64), bearer(tokens.ci!))).status, 404, 'any token reads /api/');
  const cross = await get('/api/v1/admin/x', { ...bearer(tokens.ops!), 'sec-fetch-site': 'cross-site' }, 'POST');
  assert.equal(cross.status, 403);
});

test('every decision is audited with who, what and why; no token material in any log line', async () => {
  const lines = auditLines();
  const denied = lines.find((l) => l.result === 'out_of_scope' && l.who === 'ci');
  assert.ok(denied);
  assert.deepEqual({ decision: denied.decision, method: denied.method, repository: denied.repository, name: denied.name, endpoint: denied.endpoint, reference: denied.reference, ip: denied.ip },
    { decision: 'deny', method: 'GET', repository: 'local/acme/app', name: 'acme/app', endpoint: 'manifest', reference: '1', ip: '127.0.0.1' });
  assert.match(denied.why, /may pull library\/\* but not acme\/app/);
  assert.ok(lines.some((l) => l.result === 'allow' && l.who === 'ci' && l.endpoint === 'blob'));
  assert.ok(lines.some((l) => l.result === 'unauthenticated' && l.who === 'anonymous'));
  assert.ok(lines.some((l) => l.result === 'expired' && l.who === 'old'));
  assert.ok(lines.some((l) => l.area === 'token' && l.result === 'allow'));
  const all = logs.join('\n');
  for (const t of Object.values(tokens)) assert.ok(!all.includes(t), 'a token appears in the log');
  assert.ok(!/pcs_[A-Za-z0-9_-]{8,}/.test(all), 'nothing token-shaped in the log');
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(all), 'no JWT in the log');
  assert.ok(await metricValue(gw.url, 'portcullis_auth_decisions_total', { result: 'out_of_scope' }) >= 1);
  assert.ok(await metricValue(gw.url, 'portcullis_auth_decisions_total', { result: 'allow' }) >= 5);
});
