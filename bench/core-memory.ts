/**
 * Peak memory of the gateway process during 20 concurrent downloads of one blob: cold (all 20 ask
 * while the blob is not cached: one upstream download, 19 clients tailing it) and warm (20 streams
 * from the cache, once the peer's cache holds the blob). VmHWM is reset before each phase.
 * distribution in proxy mode is measured the same way as the peer.
 */
import { concurrentBlobs } from './lib/download.js';
import { formatRatio, progress, ratio, type Goal, type Section } from './lib/report.js';
import { peakMemoryDuring, readMemory, type PeakMemory } from './lib/rss.js';
import { MB, mbPerSecond } from './lib/timing.js';
import { blobUrl, startDistributionProxy, startGateway, type Origin } from './core-setup.js';
import { distributionCacheFile, fileSettles, gatewayCacheFile } from './lib/cache-file.js';

interface Phase { memory: PeakMemory; mbps: number }

async function phases(pid: number, url: string, size: number, clients: number, cacheFile: string): Promise<{ idle: number; cold: Phase; warm: Phase }> {
  const idle = (await readMemory(pid)).rssBytes;
  const run = async (): Promise<Phase> => {
    const { value, memory } = await peakMemoryDuring(pid, () => concurrentBlobs(url, size, clients));
    return { memory, mbps: mbPerSecond(size * clients, value.seconds) };
  };
  const cold = await run();
  await fileSettles(cacheFile, size);
  const warm = await run();
  return { idle, cold, warm };
}

const mb = (bytes: number) => (bytes / MB).toFixed(0);

export async function concurrentMemory(origin: Origin, clients: number, section: Section, nodeArgs: string[] = []): Promise<Goal[]> {
  const { digest, size } = origin.rss;
  const gw = await startGateway(origin, nodeArgs);
  let g;
  try {
    await fetch(`${gw.url}/v2/`).then((r) => r.arrayBuffer());
    g = await phases(gw.pid, blobUrl(gw.url, 'bench/rss', digest), size, clients, gatewayCacheFile(gw.dir.join('data'), digest));
  } finally {
    await gw.stop();
  }
  progress(`memory: gateway peak cold ${mb(g.cold.memory.peakBytes)} MB, warm ${mb(g.warm.memory.peakBytes)} MB`);
  const proxy = await startDistributionProxy(origin);
  let d;
  try {
    d = await phases(proxy.process.pid, blobUrl(proxy.url, 'bench/rss', digest), size, clients, distributionCacheFile(proxy.storageDir, digest));
  } finally {
    await proxy.stop();
  }
  progress(`memory: distribution proxy peak cold ${mb(d.cold.memory.peakBytes)} MB, warm ${mb(d.warm.memory.peakBytes)} MB`);
  section.heading(`Peak memory: ${clients} concurrent downloads of a ${(size / 2 ** 20).toFixed(0)} MiB blob`);
  section.text(
    'Peak = the process\'s VmHWM (peak resident set, kept by the kernel) reset before each phase; idle = VmRSS before the first phase.',
    'Throughput = all bytes delivered ÷ wall time of the phase.',
    `VmHWM reset per phase: ${g.cold.memory.windowed ? 'yes' : 'no (not permitted: peaks are since process start)'}.`,
  );
  section.table(
    ['phase', 'gateway peak MB', 'distribution proxy peak MB', 'gateway ÷ distribution (memory)', 'gateway MB/s', 'distribution MB/s', 'gateway ÷ distribution (MB/s)'],
    [
      ['idle, before', mb(g.idle), mb(d.idle), formatRatio(ratio(g.idle, d.idle)), '', '', ''],
      ...(['cold', 'warm'] as const).map((k) => [
        k === 'cold' ? 'cold (one shared upstream download)' : 'warm (from the cache)',
        mb(g[k].memory.peakBytes), mb(d[k].memory.peakBytes), formatRatio(ratio(g[k].memory.peakBytes, d[k].memory.peakBytes)),
        g[k].mbps.toFixed(0), d[k].mbps.toFixed(0), formatRatio(ratio(g[k].mbps, d[k].mbps)),
      ]),
    ],
  );
  const peak = Math.max(g.cold.memory.peakBytes, g.warm.memory.peakBytes);
  return [{ name: `gateway peak RSS, ${clients} concurrent downloads`, value: peak / MB, op: '≤', target: 200, unit: ' MB' }];
}
