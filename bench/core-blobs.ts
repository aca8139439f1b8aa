/**
 * Blob throughput through each peer, cold (first GET, empty cache) and warm (second GET, once the
 * peer's cache holds the blob). Each round starts the caching peers afresh so every cold GET really is
 * cold; rounds rotate the order. Next to MB/s, the CPU seconds the peer's processes used per GB moved
 * (robust on a busy machine), and for the caching peers how long after the cold GET their cache held
 * the blob: both distribution's proxy and the gateway (when its disk falls behind) fill the cache with
 * a second upstream GET, so a GET right after the cold one would measure a pass-through, not the cache.
 */
import { distributionCacheFile, fileSettles, gatewayCacheFile } from './lib/cache-file.js';
import { cpuDuring } from './lib/cpu.js';
import { fetchBlob } from './lib/download.js';
import { startNginx, type Nginx } from './lib/nginx.js';
import { startNodeProxy, type NodeProxy } from './lib/node-proxy.js';
import { formatRatio, progress, ratio, type Goal, type Section } from './lib/report.js';
import { mbPerSecond, median } from './lib/timing.js';
import { blobUrl, startDistributionProxy, startGateway, type Origin } from './core-setup.js';

interface Run { mbps: number; cpuPerGB: number; cachedAfter?: number }
interface Peer {
  name: string;
  /** runs a cold then a warm GET */
  measure(): Promise<[Run, Run]>;
}

export async function blobThroughput(origin: Origin, rounds: number, section: Section): Promise<Goal[]> {
  const { digest, size } = origin.big;
  const get = async (base: string, pid: number): Promise<Run> => {
    const { value, cpuSeconds } = await cpuDuring(pid, () => fetchBlob(blobUrl(base, 'bench/big', digest), size));
    return { mbps: mbPerSecond(size, value.seconds), cpuPerGB: cpuSeconds / (size / 1e9) };
  };
  /** cold GET, wait for the cache file (when the peer has one), warm GET */
  const coldWarm = async (base: string, pid: number, cacheFile?: string): Promise<[Run, Run]> => {
    const cold = await get(base, pid);
    if (cacheFile) cold.cachedAfter = await fileSettles(cacheFile, size);
    return [cold, await get(base, pid)];
  };
  const nginx: Record<string, Nginx> = {
    off: await startNginx({ upstreamUrl: origin.registry.url, buffering: false }),
    on: await startNginx({ upstreamUrl: origin.registry.url, buffering: true }),
  };
  const nodeProxy: NodeProxy = await startNodeProxy(origin.registry.url);
  const peers: Peer[] = [
    {
      name: 'Portcullis gateway',
      measure: async () => {
        const gw = await startGateway(origin);
        try { return await coldWarm(gw.url, gw.pid, gatewayCacheFile(gw.dir.join('data'), digest)); } finally { await gw.stop(); }
      },
    },
    {
      name: 'distribution, proxy mode',
      measure: async () => {
        const proxy = await startDistributionProxy(origin);
        try { return await coldWarm(proxy.url, proxy.process.pid, distributionCacheFile(proxy.storageDir, digest)); } finally { await proxy.stop(); }
      },
    },
    { name: 'nginx reverse proxy, proxy_buffering off', measure: () => coldWarm(nginx.off!.url, nginx.off!.process.pid) },
    { name: 'nginx reverse proxy, proxy_buffering on', measure: () => coldWarm(nginx.on!.url, nginx.on!.process.pid) },
    { name: 'Node.js pipe proxy (undici → response; no cache, no digest)', measure: () => coldWarm(nodeProxy.url, nodeProxy.process.pid) },
    { name: 'distribution serving directly', measure: () => coldWarm(origin.registry.url, origin.registry.process.pid) },
  ];
  const results = new Map(peers.map((p) => [p.name, { cold: [] as Run[], warm: [] as Run[] }]));
  try {
    await get(origin.registry.url, origin.registry.process.pid); // the origin's file into the page cache
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < peers.length; i++) {
        const peer = peers[(i + r) % peers.length]!;
        const [cold, warm] = await peer.measure();
        results.get(peer.name)!.cold.push(cold);
        results.get(peer.name)!.warm.push(warm);
        progress(`blob round ${r + 1}/${rounds}: ${peer.name}: cold ${cold.mbps.toFixed(0)} MB/s, warm ${warm.mbps.toFixed(0)} MB/s`);
      }
    }
  } finally {
    await Promise.all([...Object.values(nginx).map((n) => n.stop()), nodeProxy.stop()]);
  }
  const med = (name: string, k: 'cold' | 'warm') => {
    const runs = results.get(name)![k];
    const cached = runs.map((x) => x.cachedAfter).filter((x): x is number => x !== undefined);
    return { mbps: median(runs.map((x) => x.mbps)), cpuPerGB: median(runs.map((x) => x.cpuPerGB)), cachedAfter: cached.length ? median(cached) : undefined };
  };
  const base = { cold: med('distribution, proxy mode', 'cold'), warm: med('distribution, proxy mode', 'warm') };
  section.heading(`Blob throughput: one ${(size / 2 ** 20).toFixed(0)} MiB layer (medians of ${rounds} rounds)`);
  section.text(
    'Cold: the first GET through a peer whose cache is empty (the peer fetches from the origin while it streams).',
    'Warm: the second GET, once the peer\'s cache file holds the whole blob (served from the cache). nginx, the Node.js pipe proxy and the origin have no cache: their two GETs take the same path.',
    'Cached after: seconds from the end of the cold GET until the blob was in the peer\'s cache (distribution\'s proxy always, and the gateway when its disk falls behind the client, fill the cache with a second upstream GET).',
    'The Node.js pipe proxy is a calibration row: what the runtime alone costs per byte here (the gateway adds the digest check, the cache file and sharing).',
    'Client: `curl -o /dev/null`. Ratios: this row ÷ distribution in proxy mode. CPU s/GB: CPU time of the peer\'s processes per GB delivered (lower is better).',
  );
  section.table(
    ['peer', 'cold MB/s', 'cold ÷ distribution proxy', 'cold CPU s/GB', 'cached after s', 'warm MB/s', 'warm ÷ distribution proxy', 'warm CPU s/GB'],
    peers.map((p) => {
      const c = med(p.name, 'cold');
      const w = med(p.name, 'warm');
      return [p.name, c.mbps.toFixed(0), formatRatio(ratio(c.mbps, base.cold.mbps)), c.cpuPerGB.toFixed(2), c.cachedAfter === undefined ? '' : c.cachedAfter.toFixed(2), w.mbps.toFixed(0), formatRatio(ratio(w.mbps, base.warm.mbps)), w.cpuPerGB.toFixed(2)];
    }),
  );
  const gw = { cold: med('Portcullis gateway', 'cold'), warm: med('Portcullis gateway', 'warm') };
  return [
    { name: 'blob cold: gateway ÷ distribution proxy mode', value: ratio(gw.cold.mbps, base.cold.mbps), op: '≥', target: 1 },
    { name: 'blob warm: gateway ÷ distribution proxy mode', value: ratio(gw.warm.mbps, base.warm.mbps), op: '≥', target: 1 },
  ];
}
