/**
 * Blob throughput through each peer, cold (first GET, empty cache) and warm (second GET). Each round
 * starts the caching peers afresh so every cold GET really is cold; rounds rotate the order.
 */
import { fetchBlob } from './lib/download.js';
import { startNginx, type Nginx } from './lib/nginx.js';
import { formatRatio, progress, ratio, type Goal, type Section } from './lib/report.js';
import { mbPerSecond, median } from './lib/timing.js';
import { blobUrl, startDistributionProxy, startGateway, type Origin } from './core-setup.js';

interface Peer {
  name: string;
  /** runs a cold then a warm GET; returns [cold, warm] in MB/s */
  measure(): Promise<[number, number]>;
}

export async function blobThroughput(origin: Origin, rounds: number, section: Section): Promise<Goal[]> {
  const { digest, size } = origin.big;
  const get = async (base: string) => mbPerSecond(size, (await fetchBlob(blobUrl(base, 'bench/big', digest), size)).seconds);
  const coldWarm = async (base: string): Promise<[number, number]> => [await get(base), await get(base)];
  const nginx: Record<string, Nginx> = {
    off: await startNginx({ upstreamUrl: origin.registry.url, buffering: false }),
    on: await startNginx({ upstreamUrl: origin.registry.url, buffering: true }),
  };
  const peers: Peer[] = [
    {
      name: 'Portcullis gateway',
      measure: async () => {
        const gw = await startGateway(origin);
        try { return await coldWarm(gw.url); } finally { await gw.stop(); }
      },
    },
    {
      name: 'distribution, proxy mode',
      measure: async () => {
        const proxy = await startDistributionProxy(origin);
        try { return await coldWarm(proxy.url); } finally { await proxy.stop(); }
      },
    },
    { name: 'nginx reverse proxy, proxy_buffering off', measure: () => coldWarm(nginx.off!.url) },
    { name: 'nginx reverse proxy, proxy_buffering on', measure: () => coldWarm(nginx.on!.url) },
    { name: 'distribution serving directly', measure: () => coldWarm(origin.registry.url) },
  ];
  const results = new Map(peers.map((p) => [p.name, { cold: [] as number[], warm: [] as number[] }]));
  try {
    await get(origin.registry.url); // the origin's file into the page cache
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < peers.length; i++) {
        const peer = peers[(i + r) % peers.length]!;
        const [cold, warm] = await peer.measure();
        results.get(peer.name)!.cold.push(cold);
        results.get(peer.name)!.warm.push(warm);
        progress(`blob round ${r + 1}/${rounds}: ${peer.name}: cold ${cold.toFixed(0)} MB/s, warm ${warm.toFixed(0)} MB/s`);
      }
    }
  } finally {
    await Promise.all(Object.values(nginx).map((n) => n.stop()));
  }
  const med = (name: string) => ({ cold: median(results.get(name)!.cold), warm: median(results.get(name)!.warm) });
  const gw = med('Portcullis gateway');
  const dp = med('distribution, proxy mode');
  section.heading(`Blob throughput: one ${(size / 2 ** 20).toFixed(0)} MiB layer (medians of ${rounds} rounds)`);
  section.text(
    'Cold: the first GET through a peer whose cache is empty (the peer fetches from the origin while it streams).',
    'Warm: the second GET (served from the peer\'s cache). nginx and the origin have no cache: their two GETs are the same path.',
    'Client: `curl -o /dev/null`. Ratios: this row ÷ distribution in proxy mode.',
  );
  section.table(
    ['peer', 'cold MB/s', 'warm MB/s', 'cold ÷ distribution proxy', 'warm ÷ distribution proxy'],
    peers.map((p) => {
      const m = med(p.name);
      return [p.name, m.cold.toFixed(0), m.warm.toFixed(0), formatRatio(ratio(m.cold, dp.cold)), formatRatio(ratio(m.warm, dp.warm))];
    }),
  );
  return [
    { name: 'blob cold: gateway ÷ distribution proxy mode', value: ratio(gw.cold, dp.cold), op: '≥', target: 1 },
    { name: 'blob warm: gateway ÷ distribution proxy mode', value: ratio(gw.warm, dp.warm), op: '≥', target: 1 },
  ];
}
