/**
 * Replicas sharing one Redis verdict store (real redis-server, two real gateway processes):
 * a new image is scanned once between them; with Redis killed, decisions that need the store
 * follow policy.onError (verdicts already in memory keep serving) and /readyz says why; when
 * Redis returns, the gateways recover on their own. Also the store contract on Redis itself.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { startRedis, type Redis } from '../harness/redis.js';
import { startProcess, type StartedProcess } from '../harness/process.js';
import { MediaType, pushImage, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { metricValue } from '../support/gateway.js';
import { silentLogger } from '../../src/log.js';
import { openVerdictBackend, VerdictStore } from '../../src/verdicts/index.js';
import { exerciseVerdictStore } from '../../src/verdicts/test-store-checks.js';
import { alpineWithOldOpenssl, buildVulnDb, cleanImage, OSV } from '../fixtures/gate/gate-fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let redis: Redis;
let dir: TempDir;
let oldssl: OciImage;
const gateways: Array<{ proc: StartedProcess; url: string }> = [];

async function startGatewayProcess(name: string): Promise<{ proc: StartedProcess; url: string }> {
  const config = {
    server: { listen: '127.0.0.1:0' },
    upstreams: { local: { url: reg.url, insecure: true, retries: 0 } },
    storage: { path: dir.join(name) },
    cache: { verdicts: `${redis.url}/0` },
    vulndb: { path: dir.join('vulndb') },
    policy: { blockSeverity: 'low', unknownSeverity: 'critical', onError: 'deny' },
    logging: { level: 'info' },
  };
  const file = dir.join(`${name}.yaml`);
  await writeFile(file, YAML.stringify(config));
  const proc = startProcess(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'serve', '--config', file], { name, cwd: ROOT });
  const m = await proc.waitForOutput(/"msg":"listening"[^\n]*"url":"([^"]+)"/, 60_000);
  return { proc, url: m[1]! };
}

async function get(base: string, p: string) {
  const res = await request(base + p, { headers: { accept: ACCEPT } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, json: () => JSON.parse(body.toString()) };
}

const sumOver = async (name: string, labels: Record<string, string> = {}) =>
  (await Promise.all(gateways.map((g) => metricValue(g.url, name, labels)))).reduce((a, b) => a + b, 0);

before(async () => {
  [reg, redis, dir] = await Promise.all([startRegistry(), startRedis(), makeTempDir('gate-redis')]);
  oldssl = await alpineWithOldOpenssl();
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  for (const t of ['a', 'b']) await pushImage(reg.url, 'library/clean', t, await cleanImage(t));
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  gateways.push(...await Promise.all([startGatewayProcess('gw1'), startGatewayProcess('gw2')]));
});

after(async () => {
  for (const g of gateways) await g.proc.stop(10_000);
  await redis?.stop();
  await reg?.stop();
  await dir?.stop();
});

test('the verdict store contract holds on Redis', async () => {
  const store = new VerdictStore(await openVerdictBackend(`${redis.url}/3`, silentLogger));
  try {
    await exerciseVerdictStore(store);
    assert.equal(store.shared, true);
  } finally {
    await store.close();
  }
});

test('two gateway processes sharing one Redis scan a new image once between them', async () => {
  const [a, b] = await Promise.all(gateways.map((g) => get(g.url, '/v2/library/oldssl/manifests/1')));
  assert.equal(a!.status, 403);
  assert.equal(b!.status, 403);
  assert.equal(await sumOver('portcullis_scans_total'), 1, 'one scan across both processes');
  assert.equal(await sumOver('portcullis_scans_total', { result: 'ok' }), 1);
  for (const g of gateways) assert.equal((await get(g.url, `/api/v1/verdicts/${oldssl.digest}`)).json().decision, 'deny');
});

test('Redis killed: new decisions follow onError; known verdicts keep serving; recovery when Redis returns', async () => {
  const [gw1, gw2] = gateways;
  assert.equal((await get(gw1!.url, '/v2/library/clean/manifests/a')).status, 200);
  await redis.kill();
  const unknown = await get(gw1!.url, '/v2/library/clean/manifests/b');
  assert.equal(unknown.status, 503, 'onError: deny');
  assert.match(unknown.json().errors[0].message, /verdict store \(redis\)/);
  assert.equal((await get(gw1!.url, '/v2/library/clean/manifests/a')).status, 200, 'verdict held in memory');
  assert.equal((await get(gw2!.url, '/v2/library/oldssl/manifests/1')).status, 403, 'denial held in memory');
  const ready = await get(gw1!.url, '/readyz');
  assert.equal(ready.status, 503);
  assert.ok(ready.json().problems.verdictStore);

  const scans = await sumOver('portcullis_scans_total');
  await redis.restart();
  for (let delay = 20; (await get(gw1!.url, '/readyz')).status !== 200; delay = Math.min(delay * 2, 250)) await new Promise((r) => setTimeout(r, delay));
  const back = await get(gw1!.url, '/v2/library/clean/manifests/b');
  assert.equal(back.status, 200);
  assert.equal(await sumOver('portcullis_scans_total'), scans + 1);
});
