import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { makeTempDir } from '../test/harness/tempDir.js';
import { startProcess } from '../test/harness/process.js';
import { curlGet } from './lib/download.js';
import { runWrk } from './lib/wrk.js';
import { startGateOrigin, startCore } from './gate-setup.js';
const origin = await startGateOrigin(5);
const dir = await makeTempDir('ab');
const config = { server: { listen: '127.0.0.1:0' }, upstreams: { origin: { url: origin.registry.url, insecure: true } }, storage: { path: dir.join('data') }, cache: { verdicts: `sqlite://${dir.join('v.sqlite')}` }, vulndb: { path: origin.vulndb }, policy: { blockSeverity: 'low' } };
await writeFile(dir.join('c.yaml'), YAML.stringify(config));
async function start(variant: string) {
  const proc = startProcess(process.execPath, ['--import', 'tsx', path.resolve('bench/gate-server.ts'), dir.join('c.yaml')], { cwd: process.cwd(), env: { GATE_VARIANT: variant } });
  const m = await proc.waitForOutput(/"url":"([^"]+)"/, 60000);
  return { url: m[1]!, stop: () => proc.stop() };
}
const peers: Record<string, { url: string; stop: () => Promise<unknown> }> = {
  core: await startCore(origin), none: await start('none'), gate: await start('gate'),
};
const path_ = `/v2/bench/small/manifests/${origin.small.digest}`;
const h = { accept: 'application/vnd.oci.image.manifest.v1+json' };
for (const p of Object.values(peers)) { await curlGet(p.url + path_, h); await runWrk(p.url + path_, { threads: 2, connections: 32, durationSeconds: 2, headers: h }); }
const res: Record<string, number[]> = { core: [], none: [], gate: [] };
for (let r = 0; r < 5; r++) for (const [k, p] of Object.entries(peers)) res[k]!.push((await runWrk(p.url + path_, { threads: 2, connections: 32, durationSeconds: 3, headers: h })).requestsPerSecond);
console.log(JSON.stringify(res));
for (const p of Object.values(peers)) await p.stop();
await dir.stop(); await origin.stop();
