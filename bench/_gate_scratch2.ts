import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { skopeoCopy } from '../test/harness/skopeo.js';
import { makeTempDir } from '../test/harness/tempDir.js';
import { startProcess } from '../test/harness/process.js';
import { metricValue } from '../test/support/gateway.js';
import { curlGet } from './lib/download.js';
import { startGateOrigin, startCore } from './gate-setup.js';
const origin = await startGateOrigin(50);
const tmp = await makeTempDir('scratch');
// core-only cold fetch of all blobs concurrently
for (let r = 0; r < 2; r++) {
  const core = await startCore(origin);
  const t = performance.now();
  await Promise.all([origin.fifty.config, ...origin.fifty.layers].map((b) => curlGet(`${core.url}/v2/bench/fifty/blobs/${b.digest}`)));
  console.log('core cold fetch all blobs', (performance.now() - t).toFixed(0));
  await core.stop();
}
const dir = await makeTempDir('prof');
const config = { server: { listen: '127.0.0.1:0' }, upstreams: { origin: { url: origin.registry.url, insecure: true } }, storage: { path: dir.join('data') }, cache: { verdicts: 'memory://' }, vulndb: { path: origin.vulndb }, policy: { blockSeverity: 'low' } };
await writeFile(dir.join('c.yaml'), YAML.stringify(config));
const proc = startProcess(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2', '--import', 'tsx', path.resolve('bench/gate-server.ts'), dir.join('c.yaml')], { cwd: process.cwd() });
const m = await proc.waitForOutput(/"url":"([^"]+)"/, 60000);
const url = m[1]!;
let t = performance.now();
const mr = await curlGet(`${url}/v2/bench/fifty/manifests/1`, { accept: 'application/vnd.oci.image.manifest.v1+json' });
console.log('manifest (scan) ms', (performance.now() - t).toFixed(0), mr.status, 'scan', await metricValue(url, 'portcullis_scan_duration_seconds_sum'));
t = performance.now();
const res = await skopeoCopy(`docker://${new URL(url).host}/bench/fifty:1`, `dir:${tmp.join('x')}`);
console.log('skopeo warm ms', (performance.now() - t).toFixed(0), res.code);
await proc.stop();
await dir.stop(); await tmp.stop(); await origin.stop();
