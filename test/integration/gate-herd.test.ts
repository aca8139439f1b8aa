/**
 * The thundering herd: 100 clients pull a new image at once through the gate. Exactly one scan,
 * one upstream manifest fetch and one upstream fetch per blob, every client served the exact
 * bytes (asserted from the gateway's metrics and the responses).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, MediaType, pushImage, randomLayer, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';
import { createGate } from '../../src/gate/wire.js';
import { alpineLayer, buildVulnDb, OSV, strictGateConfig } from '../fixtures/gate/gate-fixtures.js';

const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
const CLIENTS = 100;
let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
let image: OciImage;

before(async () => {
  reg = await startRegistry();
  dir = await makeTempDir('gate-herd');
  const { layer } = await alpineLayer();
  image = await makeImage({ layers: [layer, await randomLayer(2 * 1024 * 1024), await randomLayer(1024 * 1024, { compressible: true })] });
  await pushImage(reg.url, 'library/herd', 'latest', image);
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  gw = await startTestGateway(strictGateConfig(reg.url, dir.join('vulndb')), { extend: (core) => createGate(core) });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await dir?.stop();
});

async function pull(agent: Agent): Promise<void> {
  const m = await request(`${gw.url}/v2/library/herd/manifests/latest`, { headers: { accept: ACCEPT }, dispatcher: agent });
  assert.equal(m.statusCode, 200);
  const manifest = JSON.parse(await m.body.text()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const d of [manifest.config, ...manifest.layers]) {
    const b = await request(`${gw.url}/v2/library/herd/blobs/${d.digest}`, { dispatcher: agent });
    assert.equal(b.statusCode, 200);
    const hash = createHash('sha256');
    for await (const chunk of b.body) hash.update(chunk);
    assert.equal(`sha256:${hash.digest('hex')}`, d.digest);
  }
}

test(`${CLIENTS} concurrent first pulls: 1 scan, 1 upstream fetch per blob, 1 manifest fetch`, async () => {
  const agent = new Agent({ connections: CLIENTS });
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: CLIENTS }, () => pull(agent)));
  } finally {
    await agent.close();
  }
  const ms = Math.round(performance.now() - started);
  const blobs = 1 + image.layers.length;
  const scans = await metricValue(gw.url, 'portcullis_scans_total');
  const blobFetches = await metricValue(gw.url, 'portcullis_upstream_requests_total', { kind: 'blob' });
  const manifestFetches = await metricValue(gw.url, 'portcullis_upstream_requests_total', { kind: 'manifest' });
  const verdictMisses = await metricValue(gw.url, 'portcullis_cache_misses_total', { cache: 'verdict' });
  console.log(`# herd: ${CLIENTS} pulls of ${blobs} blobs in ${ms} ms; scans=${scans} upstream blob fetches=${blobFetches} manifest fetches=${manifestFetches} verdict misses=${verdictMisses}`);
  assert.equal(scans, 1);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total', { result: 'ok' }), 1);
  assert.equal(blobFetches, blobs, 'one upstream fetch per blob');
  assert.equal(manifestFetches, 1, 'one upstream manifest fetch');
  assert.equal(verdictMisses, 1, 'one decision; the other 99 pulls joined it');
  assert.equal(await metricValue(gw.url, 'portcullis_verdicts_total', { decision: 'allow' }), 1);
});
