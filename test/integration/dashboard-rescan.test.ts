/**
 * The dashboard read in-process from the gate's parts (`gateDashboard(gate)`): an image allowed
 * under an old database becomes denied when the Alpine v3.11 records arrive; after the rescan the
 * page lists it under "Newly denied after a database update" and among the denied images, and
 * the queue, the database version and its records by ecosystem are those the gate holds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'undici';
import { createGate, type GateExtension } from '../../src/gate/wire.js';
import { gateDashboard } from '../../src/dashboard/wire.js';
import { mergeExtensions } from '../../src/main.js';
import { importSources } from '../../src/scan/vulndb/index.js';
import { startRegistry, type Registry } from '../harness/registry.js';
import { pushImage, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { alpineWithOldOpenssl, buildVulnDb, cleanImage, OSV, strictGateConfig } from '../fixtures/gate/gate-fixtures.js';
import { ACCEPT } from '../fixtures/dashboard/dashboard-fixtures.js';

let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
let gate: GateExtension;
let oldssl: OciImage;

async function page(query = ''): Promise<string> {
  const res = await request(`${gw.url}/${query}`, { headers: { accept: 'text/html' } });
  assert.equal(res.statusCode, 200);
  return res.body.text();
}

function section(html: string, id: string): string {
  const start = html.indexOf(`<section aria-labelledby="${id}">`);
  assert.ok(start >= 0, `section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

before(async () => {
  reg = await startRegistry();
  dir = await makeTempDir('dash-rescan');
  oldssl = await alpineWithOldOpenssl();
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  await pushImage(reg.url, 'library/clean', '1', await cleanImage('rescan'));
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine310]); // no Alpine v3.11 advisories yet
  gw = await startTestGateway(strictGateConfig(reg.url, dir.join('vulndb'), { verdicts: `sqlite://${dir.join('verdicts.sqlite')}` }), {
    extend: async (core) => {
      gate = await createGate(core, { vulndbCheckIntervalMs: 3_600_000 });
      return mergeExtensions([gate, gateDashboard(gate)]);
    },
  });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await dir?.stop();
});

test('before the update: both images allowed, nothing newly denied, the old database described', async () => {
  for (const repo of ['library/oldssl', 'library/clean']) {
    const res = await request(`${gw.url}/v2/${repo}/manifests/1`, { headers: { accept: ACCEPT } });
    await res.body.dump();
    assert.equal(res.statusCode, 200, repo);
  }
  await gate.recorder.flush();
  const html = await page();
  assert.match(section(html, 'denied-h'), /No denied images among the recent pulls/);
  assert.match(section(html, 'newly-h'), /No image became denied in a rescan since this gateway started/);
  assert.match(section(html, 'others-h'), /library\/<wbr>oldssl/);
  assert.match(section(html, 'db-h'), /Alpine:v3\.10/);
  assert.match(html, /0 <span class="unit">waiting<\/span>/);
});

test('after the update and its rescan: the image is listed as newly denied, and denied first', async () => {
  const before = gate.vulndb.status().version as string;
  await importSources(dir.join('vulndb'), [OSV.alpine311]);
  const newly = once(gate.events, 'image.newly_denied');
  const finished = once(gate.events, 'rescan.finished');
  gate.vulndb.checkNow();
  await newly;
  await finished;

  const html = await page();
  const newlyDenied = section(html, 'newly-h');
  assert.match(newlyDenied, /library\/<wbr>oldssl/);
  assert.ok(newlyDenied.includes(`href="/api/v1/reports/${oldssl.digest}"`));
  assert.ok(newlyDenied.includes(`${before.slice(0, 19)}…</code> → <code>`), 'shows the database change');
  assert.match(newlyDenied, /8 unrated/);
  assert.doesNotMatch(newlyDenied, /library\/<wbr>clean/);
  const denied = section(html, 'denied-h');
  assert.match(denied, /<span class="badge deny">denied<\/span>/);
  assert.match(denied, /library\/<wbr>oldssl/);
  assert.match(section(html, 'db-h'), /Alpine:v3\.11/);

  assert.doesNotMatch(section(await page('?q=clean'), 'newly-h'), /oldssl/, 'the search narrows the newly denied list too');
  assert.match(section(await page(`?q=${oldssl.digest.slice(7, 30)}`), 'newly-h'), /library\/<wbr>oldssl/);
});
