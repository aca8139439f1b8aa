/**
 * Manifest GET req/s with wrk: by digest (gateway vs distribution serving directly) and by tag
 * (gateway vs distribution in proxy mode, which HEADs the origin on every tag request). Every
 * target is warmed up first (a GET that fills the caches, then a short wrk run); measured runs of
 * the two sides of a pair alternate, and the medians are compared.
 */
import { curlGet } from './lib/download.js';
import { formatRatio, progress, ratio, type Goal, type Section } from './lib/report.js';
import { median } from './lib/timing.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { OCI_MANIFEST, startDistributionProxy, startGateway, type Origin } from './core-setup.js';

export interface WrkSettings {
  threads: number;
  connections: number;
  seconds: number;
  rounds: number;
}

interface Pair {
  request: string;
  gatewayUrl: string;
  peer: string;
  peerUrl: string;
  goal?: number;
}

const headers = { accept: OCI_MANIFEST };

async function warmUp(url: string, s: WrkSettings): Promise<void> {
  const first = await curlGet(url, headers);
  if (first.status !== 200) throw new Error(`warm-up GET ${url}: HTTP ${first.status}`);
  await runWrk(url, { threads: s.threads, connections: s.connections, durationSeconds: 2, headers });
}

async function measurePair(pair: Pair, s: WrkSettings): Promise<{ gateway: WrkResult[]; peer: WrkResult[] }> {
  await warmUp(pair.gatewayUrl, s);
  await warmUp(pair.peerUrl, s);
  const out = { gateway: [] as WrkResult[], peer: [] as WrkResult[] };
  for (let r = 0; r < s.rounds; r++) {
    const order = r % 2 === 0 ? (['gateway', 'peer'] as const) : (['peer', 'gateway'] as const);
    for (const side of order) {
      const url = side === 'gateway' ? pair.gatewayUrl : pair.peerUrl;
      const res = await runWrk(url, { threads: s.threads, connections: s.connections, durationSeconds: s.seconds, headers });
      out[side].push(res);
      progress(`manifest ${pair.request}, ${side === 'gateway' ? 'gateway' : pair.peer}: ${res.requestsPerSecond.toFixed(0)} req/s`);
    }
  }
  return out;
}

export async function manifestRequests(origin: Origin, s: WrkSettings, section: Section): Promise<Goal[]> {
  const gw = await startGateway(origin);
  const proxy = await startDistributionProxy(origin);
  const { digest } = origin.small;
  const path = (ref: string) => `/v2/bench/small/manifests/${ref}`;
  const pairs: Pair[] = [
    { request: 'by digest', gatewayUrl: gw.url + path(digest), peer: 'distribution serving directly', peerUrl: origin.registry.url + path(digest), goal: 1 },
    { request: 'by tag', gatewayUrl: gw.url + path('1'), peer: 'distribution, proxy mode', peerUrl: proxy.url + path('1'), goal: 3 },
    { request: 'by tag', gatewayUrl: gw.url + path('1'), peer: 'distribution serving directly', peerUrl: origin.registry.url + path('1') },
  ];
  const rows: Array<Array<string | number>> = [];
  const goals: Goal[] = [];
  try {
    for (const pair of pairs) {
      const m = await measurePair(pair, s);
      const g = median(m.gateway.map((x) => x.requestsPerSecond));
      const p = median(m.peer.map((x) => x.requestsPerSecond));
      const p99 = (xs: WrkResult[]) => median(xs.map((x) => x.latencyMs.p99)).toFixed(2);
      rows.push([pair.request, g.toFixed(0), p99(m.gateway), pair.peer, p.toFixed(0), p99(m.peer), formatRatio(ratio(g, p)), pair.goal ? `≥ ${pair.goal}×` : '(context)']);
      if (pair.goal) goals.push({ name: `manifest GET ${pair.request}: gateway ÷ ${pair.peer}`, value: ratio(g, p), op: '≥', target: pair.goal });
    }
  } finally {
    await gw.stop();
    await proxy.stop();
  }
  section.heading(`Manifest GET requests/s (wrk -t${s.threads} -c${s.connections} -d${s.seconds}s, medians of ${s.rounds} runs each)`);
  section.text(
    `GET only, \`Accept: ${OCI_MANIFEST}\`; a small OCI image manifest. The gateway's tag cache uses the default storage.tagTtl (60 s);`,
    'distribution in proxy mode asks the origin (HEAD) on every tag request. Every answer was a 200 (a run with any other status aborts the benchmark).',
  );
  section.table(['request', 'gateway req/s', 'gateway p99 ms', 'peer', 'peer req/s', 'peer p99 ms', 'gateway ÷ peer', 'goal'], rows);
  return goals;
}
