import { skopeoCopy } from '../test/harness/skopeo.js';
import { makeTempDir } from '../test/harness/tempDir.js';
import { metricValue } from '../test/support/gateway.js';
import { startGated, startGateOrigin, startProxy } from './gate-setup.js';
const origin = await startGateOrigin(50);
const tmp = await makeTempDir('scratch');
for (let r = 0; r < 2; r++) {
  for (const side of ['gate', 'proxy'] as const) {
    const peer = side === 'gate' ? await startGated(origin) : await startProxy(origin);
    const t = performance.now();
    const res = await skopeoCopy(`docker://${peer.hostPort}/bench/fifty:1`, `dir:${tmp.join(side + r)}`);
    const ms = performance.now() - t;
    let extra = '';
    if (side === 'gate') extra = ` scan=${(await metricValue(peer.url, 'portcullis_scan_duration_seconds_sum')).toFixed(3)}s`;
    console.log(side, res.code, ms.toFixed(0), extra);
    await peer.stop();
  }
}
await tmp.stop(); await origin.stop();
