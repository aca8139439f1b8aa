import { curlGet } from './lib/download.js';
import { startGateOrigin, startCore, startProxy } from './gate-setup.js';
const origin = await startGateOrigin(50);
const blobs = [origin.fifty.config, ...origin.fifty.layers];
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  await Promise.all(blobs.map((b) => curlGet(`${origin.registry.url}/v2/bench/fifty/blobs/${b.digest}`)));
  const direct = performance.now() - t;
  const core = await startCore(origin);
  t = performance.now();
  await Promise.all(blobs.map((b) => curlGet(`${core.url}/v2/bench/fifty/blobs/${b.digest}`)));
  const cold = performance.now() - t;
  t = performance.now();
  await Promise.all(blobs.map((b) => curlGet(`${core.url}/v2/bench/fifty/blobs/${b.digest}`)));
  const warm = performance.now() - t;
  await core.stop();
  const proxy = await startProxy(origin);
  t = performance.now();
  await Promise.all(blobs.map((b) => curlGet(`${proxy.url}/v2/bench/fifty/blobs/${b.digest}`)));
  const pcold = performance.now() - t;
  await proxy.stop();
  console.log(`direct ${direct.toFixed(0)} coreCold ${cold.toFixed(0)} coreWarm ${warm.toFixed(0)} proxyCold ${pcold.toFixed(0)}`);
}
await origin.stop();
