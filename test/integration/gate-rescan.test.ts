/**
 * A database update that newly denies an image: the image stays pullable (previous decision)
 * while its rescan waits in the queue, and flips to denied only once the rescan has stored its
 * verdict; a clean image is never blocked; the newly denied digest is counted and announced.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { MediaType, pushImage, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';
import { createGate, type GateExtension } from '../../src/gate/wire.js';
import { importSources } from '../../src/scan/vulndb/index.js';
import { alpineWithOldOpenssl, buildVulnDb, OSV, pushRealAlpine, strictGateConfig } from '../fixtures/gate/gate-fixtures.js';

const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
let gate: GateExtension;
let oldssl: OciImage;

async function get(path: string) {
  const res = await request(gw.url + path, { headers: { accept: ACCEPT } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, json: () => JSON.parse(body.toString()) };
}

before(async () => {
  reg = await startRegistry();
  dir = await makeTempDir('gate-rescan');
  oldssl = await alpineWithOldOpenssl();
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  await pushRealAlpine(reg.hostPort, 'library/alpine', '3.11');
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine310]); // no Alpine v3.11 advisories yet
  gw = await startTestGateway(strictGateConfig(reg.url, dir.join('vulndb'), { verdicts: `sqlite://${dir.join('verdicts.sqlite')}` }), { extend: async (core) => (gate = await createGate(core, { vulndbCheckIntervalMs: 3_600_000 })) });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await dir?.stop();
});

test('a DB update that newly denies an image flips the verdict only after the rescan finished', async () => {
  assert.equal((await get('/v2/library/oldssl/manifests/1')).status, 200, 'allowed under the old database');
  assert.equal((await get('/v2/library/alpine/manifests/3.11')).status, 200);
  const before = (await get(`/api/v1/verdicts/${oldssl.digest}`)).json();
  assert.equal(before.decision, 'allow');
  const scansBefore = await metricValue(gw.url, 'portcullis_scans_total', { result: 'ok' });

  gate.queue.queue.pause(); // hold the rescans in the queue to look at the gateway meanwhile
  await importSources(dir.join('vulndb'), [OSV.alpine311]);
  const changed = once(gate.vulndb, 'changed');
  gate.vulndb.checkNow();
  const [version] = await changed;
  assert.notEqual(version, before.dbVersion);
  const newlyDenied = once(gate.events, 'image.newly_denied');
  const finished = once(gate.events, 'rescan.finished');
  while (gate.queue.waiting < 2) await new Promise((r) => gate.queue.queue.once('add', r));

  const during = await get('/v2/library/oldssl/manifests/1');
  assert.equal(during.status, 200, 'still pullable while its rescan waits');
  assert.equal((await get(`/v2/library/oldssl/blobs/${oldssl.layers[1]!.digest}`)).status, 200);
  assert.equal((await get('/v2/library/alpine/manifests/3.11')).status, 200, 'a clean image is not blocked');
  assert.equal((await get(`/api/v1/verdicts/${oldssl.digest}`)).json().decision, 'allow');
  assert.equal(await metricValue(gw.url, 'portcullis_rescan_newly_denied_total'), 0);

  gate.queue.queue.start();
  const [verdict, previous] = await newlyDenied;
  assert.equal(verdict.digest, oldssl.digest);
  assert.equal(verdict.decision, 'deny');
  assert.equal(previous.decision, 'allow');
  const [summary] = await finished;
  assert.deepEqual({ ...summary, dbVersion: undefined }, { dbVersion: undefined, digests: 2, newlyDenied: 1, failed: 0 });

  const after = await get('/v2/library/oldssl/manifests/1');
  assert.equal(after.status, 403);
  assert.match(after.json().errors[0].message, /CVE-2019-1551/);
  assert.equal((await get(`/v2/library/oldssl/blobs/${oldssl.layers[1]!.digest}`)).status, 403);
  assert.equal((await get('/v2/library/alpine/manifests/3.11')).status, 200);
  assert.equal(await metricValue(gw.url, 'portcullis_rescan_newly_denied_total'), 1);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total', { result: 'ok' }), scansBefore + 2, 'one rescan per digest');
});

test('with vulndb.sources and no database yet, the gateway imports them at start and becomes ready', async () => {
  const empty = await makeTempDir('gate-sources');
  let g: GateExtension | undefined;
  const other = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, retries: 0 } },
    cache: { verdicts: 'memory://' },
    vulndb: { path: empty.join('vulndb'), sources: [OSV.alpine311], updateInterval: '24h' },
    policy: { blockSeverity: 'low', unknownSeverity: 'critical' },
  }, { extend: async (core) => (g = await createGate(core, { vulndbCheckIntervalMs: 3_600_000 })) });
  try {
    if ('error' in g!.vulndb.current()) await once(g!.vulndb, 'changed');
    const ready = await request(`${other.url}/readyz`);
    await ready.body.dump();
    assert.equal(ready.statusCode, 200);
    const r = await request(`${other.url}/v2/library/oldssl/manifests/1`, { headers: { accept: ACCEPT } });
    await r.body.dump();
    assert.equal(r.statusCode, 403, 'decided with the imported Alpine v3.11 records');
  } finally {
    await other.stop();
    await empty.stop();
  }
});
