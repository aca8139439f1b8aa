/**
 * Policy modes and failure handling against real components: audit mode allows and records the
 * would-be denial (verdict, metrics, logs); onError with a broken database (deny → 503, allow →
 * served with the error in the verdict); scanTimeout (a slow upstream: 503 + Retry-After while the
 * scan runs, no blob served, and the verdict once it finishes); an expired allowlist entry.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { MediaType, pushImage, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';
import { createLogger } from '../../src/log.js';
import { createGate, type GateExtension } from '../../src/gate/wire.js';
import { alpineWithOldOpenssl, buildVulnDb, OSV } from '../fixtures/gate/gate-fixtures.js';

const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let dir: TempDir;
let oldssl: OciImage;
const running: TestGateway[] = [];

async function gateway(policy: Record<string, unknown>, opts: { vulndb?: string; upstreamUrl?: string; logLines?: string[] } = {}): Promise<{ gw: TestGateway; gate: GateExtension }> {
  let gate: GateExtension | undefined;
  const logger = opts.logLines ? createLogger('info', {}, (l) => void opts.logLines!.push(l)) : undefined;
  const gw = await startTestGateway({
    upstreams: { local: { url: opts.upstreamUrl ?? reg.url, insecure: true, retries: 0 } },
    cache: { verdicts: 'memory://' },
    vulndb: { path: opts.vulndb ?? dir.join('vulndb') },
    policy: { blockSeverity: 'low', unknownSeverity: 'critical', ...policy },
  }, { extend: async (core) => (gate = await createGate(core)), ...(logger ? { logger } : {}) });
  running.push(gw);
  return { gw, gate: gate! };
}

async function get(base: string, path: string) {
  const res = await request(base + path, { headers: { accept: ACCEPT } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, json: () => JSON.parse(body.toString()) };
}

before(async () => {
  reg = await startRegistry();
  dir = await makeTempDir('gate-modes');
  oldssl = await alpineWithOldOpenssl();
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  await mkdir(dir.join('broken-db'));
  await writeFile(dir.join('broken-db', 'osv.sqlite'), 'this is not a database');
});

after(async () => {
  for (const gw of running) await gw.stop();
  await reg?.stop();
  await dir?.stop();
});

test('audit mode serves the image and records the would-be denial in the verdict, metrics and logs', async () => {
  const logLines: string[] = [];
  const { gw } = await gateway({ mode: 'audit' }, { logLines });
  const r = await get(gw.url, '/v2/library/oldssl/manifests/1');
  assert.equal(r.status, 200);
  assert.equal((await get(gw.url, `/v2/library/oldssl/blobs/${oldssl.layers[1]!.digest}`)).status, 200);
  const v = (await get(gw.url, `/api/v1/verdicts/${oldssl.digest}`)).json();
  assert.equal(v.decision, 'allow');
  assert.equal(v.mode, 'audit');
  assert.equal(v.wouldDeny, true);
  assert.ok(v.reasons.some((x: { id: string }) => x.id === 'CVE-2019-1551'));
  assert.equal(await metricValue(gw.url, 'portcullis_verdicts_total', { decision: 'allow', mode: 'audit' }), 1);
  assert.ok(logLines.some((l) => l.includes('"audit mode: this image would be denied"') && l.includes(oldssl.digest)));
});

test('onError with a broken database: deny answers 503, allow serves and records the error', async () => {
  const deny = await gateway({ onError: 'deny' }, { vulndb: dir.join('broken-db') });
  const r = await get(deny.gw.url, '/v2/library/oldssl/manifests/1');
  assert.equal(r.status, 503);
  assert.equal(r.json().errors[0].code, 'UNAVAILABLE');
  assert.match(r.json().errors[0].message, /vulnerability database unavailable/);
  assert.ok(Number(r.headers['retry-after']) > 0);
  assert.equal((await get(deny.gw.url, '/readyz')).status, 503);
  assert.equal((await get(deny.gw.url, `/v2/library/oldssl/blobs/${oldssl.layers[0]!.digest}`)).status, 503);

  const allow = await gateway({ onError: 'allow' }, { vulndb: dir.join('broken-db') });
  assert.equal((await get(allow.gw.url, '/v2/library/oldssl/manifests/1')).status, 200);
  assert.equal((await get(allow.gw.url, `/v2/library/oldssl/blobs/${oldssl.layers[0]!.digest}`)).status, 200);
  const v = (await get(allow.gw.url, `/api/v1/verdicts/${oldssl.digest}`)).json();
  assert.equal(v.decision, 'allow');
  assert.match(v.error, /vulnerability database unavailable/);
  assert.equal(await metricValue(allow.gw.url, 'portcullis_verdicts_total', { decision: 'allow', mode: 'enforce' }), 1);
});

/** A proxy in front of the registry that holds GETs of one blob until released. */
async function holdingProxy(target: string, heldDigest: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => { release = r; });
  const server = http.createServer(async (req, res) => {
    if (req.method === 'GET' && req.url?.includes(heldDigest)) await released;
    const upstream = await request(target + req.url, { method: req.method as 'GET', headers: { ...req.headers, host: new URL(target).host } });
    res.writeHead(upstream.statusCode, upstream.headers as http.OutgoingHttpHeaders);
    for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, release, close: () => new Promise((r) => server.close(r)) };
}

test('scanTimeout: a first pull waits at most that long, then 503 with Retry-After; the scan goes on and a later pull gets its verdict', async () => {
  const proxy = await holdingProxy(reg.url, oldssl.layers[1]!.digest);
  try {
    const { gw, gate } = await gateway({ scanTimeout: '300ms', onError: 'deny' }, { upstreamUrl: proxy.url });
    const started = Date.now();
    const r = await get(gw.url, '/v2/library/oldssl/manifests/1');
    assert.equal(r.status, 503);
    assert.ok(Date.now() - started < 5_000);
    assert.match(r.json().errors[0].message, /scan of sha256:[0-9a-f]+ is still running/);
    assert.ok(Number(r.headers['retry-after']) >= 5);
    assert.equal((await get(gw.url, `/v2/library/oldssl/blobs/${oldssl.layers[0]!.digest}`)).status, 503, 'no blob of an unscanned image');
    const decided = once(gate.events, 'verdict');
    proxy.release();
    const [verdict] = await decided;
    assert.equal(verdict.decision, 'deny');
    const later = await get(gw.url, '/v2/library/oldssl/manifests/1');
    assert.equal(later.status, 403);
    assert.equal(await metricValue(gw.url, 'portcullis_scans_total', { result: 'ok' }), 1);
  } finally {
    proxy.release();
    await proxy.close();
  }
});

test('an expired allowlist entry stops applying, and the verdict says so', async () => {
  const { gw } = await gateway({ allowlist: [
    { id: 'CVE-2019-1547', expires: '2020-01-01', reason: 'was fine once' },
    { id: 'CVE-2019-1549' }, { id: 'CVE-2019-1551' }, { id: 'CVE-2019-1563' },
  ] });
  const r = await get(gw.url, '/v2/library/oldssl/manifests/1');
  assert.equal(r.status, 403);
  const err = r.json().errors[0];
  assert.match(err.message, /^denied by policy: 1 unrated \(CVE-2019-1547 in libcrypto1\.1 and libssl1\.1 1\.1\.1d-r0, fixed in 1\.1\.1d-r1, allowlist entry expired 2020-01-01\)/);
  assert.deepEqual(err.detail.allowlisted.find((a: { id: string }) => a.id === 'CVE-2019-1547'), { id: 'CVE-2019-1547', reason: 'was fine once', expires: '2020-01-01', expired: true });
});
