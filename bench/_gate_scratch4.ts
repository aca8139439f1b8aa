import { skopeoCopy } from '../test/harness/skopeo.js';
import { makeTempDir } from '../test/harness/tempDir.js';
import { makeImage, pushImage, randomLayer } from '../test/harness/ociImage.js';
import { alpineLayer } from '../test/fixtures/gate/gate-fixtures.js';
import { startGated, startGateOrigin, startProxy } from './gate-setup.js';
const origin = await startGateOrigin(50);
const { layer } = await alpineLayer();
await pushImage(origin.registry.url, 'bench/warmup', '1', await makeImage({ layers: [layer, await randomLayer(8 * 1024 * 1024), await randomLayer(4 * 1024 * 1024)] }));
const tmp = await makeTempDir('scratch');
for (let r = 0; r < 3; r++) {
  for (const side of ['gate', 'proxy'] as const) {
    const peer = side === 'gate' ? await startGated(origin) : await startProxy(origin);
    await skopeoCopy(`docker://${peer.hostPort}/bench/warmup:1`, `dir:${tmp.join(side + r + 'w')}`);
    const t = performance.now();
    const res = await skopeoCopy(`docker://${peer.hostPort}/bench/fifty:1`, `dir:${tmp.join(side + r)}`);
    console.log(side, res.code, (performance.now() - t).toFixed(0));
    await peer.stop();
  }
}
await tmp.stop(); await origin.stop();
