/**
 * The gate benchmark (issue 4), all on loopback in one run, every figure next to its peer:
 *  - warm manifest GET by digest with a cached verdict: the core + gate vs the gateway core alone
 *    (wrk, GET; goal ≥ 0.9×);
 *  - cold first pull of a ~50 MB image with skopeo: through the gate (scan before the first byte)
 *    vs distribution in proxy mode (no scanning), fresh caches each round (goal ≤ 1.5×);
 *  - the 100-way herd: 100 concurrent first pulls of one image — wall time, scans, upstream
 *    fetches per blob (from the gateway's metrics), next to distribution in proxy mode.
 * Run alone: `node --import tsx bench/gate.ts [--quick] [--rounds N] [--wrk-rounds N] [--wrk-seconds 4] [--image-mib 50]
 *   [--only manifests,pull,herd]`. Prints one markdown section on stdout (progress on stderr).
 */
import { Agent, request } from 'undici';
import { createHash } from 'node:crypto';
import { skopeoCopy } from '../test/harness/skopeo.js';
import { makeTempDir } from '../test/harness/tempDir.js';
import { metricValue } from '../test/support/gateway.js';
import { curlGet } from './lib/download.js';
import { formatRatio, progress, ratio, Section, type Goal } from './lib/report.js';
import { argFlag, argValue, machine, median } from './lib/timing.js';
import { runWrk } from './lib/wrk.js';
import { startCore, startGated, startGateOrigin, startProxy, type GateOrigin, type Peer } from './gate-setup.js';

const quick = argFlag('quick');
const rounds = Number(argValue('rounds', quick ? '1' : '3'));
const wrkRounds = Number(argValue('wrk-rounds', quick ? '1' : '7'));
const wrkSeconds = Number(argValue('wrk-seconds', quick ? '2' : '4'));
const imageMiB = Number(argValue('image-mib', quick ? '20' : '50'));
const HERD = 100;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

async function warmManifests(origin: GateOrigin, section: Section): Promise<Goal[]> {
  type Side = 'gate' | 'off' | 'core';
  const peers: Record<Side, Peer> = { gate: await startGated(origin), off: await startGated(origin, false), core: await startCore(origin) };
  const path = `/v2/bench/small/manifests/${origin.small.digest}`;
  const results: Record<Side, number[]> = { gate: [], off: [], core: [] };
  const p99: Record<Side, number[]> = { gate: [], off: [], core: [] };
  const sides = Object.keys(peers) as Side[];
  try {
    for (const side of sides) {
      const first = await curlGet(peers[side].url + path, { accept: OCI });
      if (first.status !== 200) throw new Error(`warm-up ${side}: HTTP ${first.status}`);
      await runWrk(peers[side].url + path, { threads: 2, connections: 32, durationSeconds: 2, headers: { accept: OCI } });
    }
    for (let r = 0; r < wrkRounds; r++) {
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
        const res = await runWrk(peers[side].url + path, { threads: 2, connections: 32, durationSeconds: wrkSeconds, headers: { accept: OCI } });
        results[side].push(res.requestsPerSecond);
        p99[side].push(res.latencyMs.p99);
        progress(`warm manifest by digest, ${side}: ${res.requestsPerSecond.toFixed(0)} req/s`);
      }
    }
  } finally {
    for (const side of sides) await peers[side].stop();
  }
  // each round measures every side back to back: ratios within a round are robust to load drifting between rounds
  const perRound = (a: Side, b: Side) => results[a].map((x, i) => ratio(x, results[b][i]!));
  const gateVsOff = median(perRound('gate', 'off'));
  const gateVsCore = median(perRound('gate', 'core'));
  section.heading(`Warm manifest GET by digest, cached verdict (wrk -t2 -c32 -d${wrkSeconds}s, ${wrkRounds} rounds, alternating)`);
  section.text('The baseline is the same process entry (bench/gate-server.ts) with the gate off: the gateway core alone. The core as run by its own benchmark (test/support/process-gateway.ts, mode core) is shown too.');
  section.table(['gateway', 'median req/s', 'median p99 ms', 'gate ÷ this (median of per-round ratios)'], [
    ['core + gate (verdict cached)', median(results.gate).toFixed(0), median(p99.gate).toFixed(2), ''],
    ['core alone (same entry, gate off)', median(results.off).toFixed(0), median(p99.off).toFixed(2), formatRatio(gateVsOff)],
    ['core alone (core benchmark entry)', median(results.core).toFixed(0), median(p99.core).toFixed(2), formatRatio(gateVsCore)],
  ]);
  section.text(`Per round, gate ÷ core (gate off): ${perRound('gate', 'off').map(formatRatio).join(', ')}.`);
  return [{ name: 'warm manifest GET by digest: gate ÷ core (gate off)', value: gateVsOff, op: '≥', target: 0.9 }];
}

async function coldPull(origin: GateOrigin, section: Section): Promise<Goal[]> {
  const times: Record<'gate' | 'proxy' | 'gateFresh' | 'proxyFresh', number[]> = { gate: [], proxy: [], gateFresh: [], proxyFresh: [] };
  const tmp = await makeTempDir('bench-pull');
  let n = 0;
  const copy = async (peer: Peer, repo: string): Promise<number> => {
    const started = performance.now();
    const res = await skopeoCopy(`docker://${peer.hostPort}/${repo}:1`, `dir:${tmp.join(`copy-${n++}`)}`);
    if (res.code !== 0) throw new Error(`skopeo ${repo} through ${peer.url}: ${res.stderr}`);
    return performance.now() - started;
  };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 === 0 ? (['gate', 'proxy'] as const) : (['proxy', 'gate'] as const)) {
        // a fresh process, first pull ever (JIT, connections and caches all cold): context
        let peer: Peer = side === 'gate' ? await startGated(origin) : await startProxy(origin);
        try {
          times[side === 'gate' ? 'gateFresh' : 'proxyFresh'].push(await copy(peer, 'bench/fifty'));
        } finally {
          await peer.stop();
        }
        // a running gateway's first pull of an image it has never seen (empty caches for it): the goal
        peer = side === 'gate' ? await startGated(origin) : await startProxy(origin);
        try {
          await copy(peer, 'bench/warmup');
          const ms = await copy(peer, 'bench/fifty');
          times[side].push(ms);
          progress(`cold pull of ${imageMiB} MiB, ${side}: ${ms.toFixed(0)} ms (fresh process: ${times[side === 'gate' ? 'gateFresh' : 'proxyFresh'].at(-1)!.toFixed(0)} ms)`);
          if (side === 'gate' && (await metricValue(peer.url, 'portcullis_scans_total', { result: 'ok' })) !== 2) throw new Error('the gate did not scan each image exactly once');
        } finally {
          await peer.stop();
        }
      }
    }
  } finally {
    await tmp.stop();
  }
  const [g, p, gf, pf] = [median(times.gate), median(times.proxy), median(times.gateFresh), median(times.proxyFresh)];
  section.heading(`Cold first pull of a ${imageMiB} MiB image with skopeo (medians of ${rounds})`);
  section.text(
    'The image is new to the peer (empty caches for it). The gate fetches the layers once (into its blob cache, the scan reading them as they arrive), scans, decides, then serves skopeo from the cache; distribution in proxy mode streams from the origin without scanning.',
    'Goal row: a running peer (it first pulled another image). Context row: a process started just for this pull (Node JIT and connections cold; Go has no warm-up).',
  );
  section.table(['path', 'running peer: skopeo copy ms', 'fresh process: skopeo copy ms'], [
    ['through the gate (scan before the first byte)', g.toFixed(0), gf.toFixed(0)],
    ['distribution, proxy mode', p.toFixed(0), pf.toFixed(0)],
    ['ratio gate ÷ proxy', formatRatio(ratio(g, p)), formatRatio(ratio(gf, pf))],
  ]);
  return [{ name: `cold first pull (${imageMiB} MiB, skopeo, running peer): gate ÷ distribution proxy`, value: ratio(g, p), op: '≤', target: 1.5 }];
}

async function pullOnce(base: string, agent: Agent): Promise<void> {
  const m = await request(`${base}/v2/bench/herd/manifests/1`, { headers: { accept: OCI }, dispatcher: agent });
  if (m.statusCode !== 200) throw new Error(`herd manifest: HTTP ${m.statusCode}`);
  const manifest = JSON.parse(await m.body.text()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const d of [manifest.config, ...manifest.layers]) {
    const b = await request(`${base}/v2/bench/herd/blobs/${d.digest}`, { dispatcher: agent });
    const hash = createHash('sha256');
    for await (const chunk of b.body) hash.update(chunk);
    if (b.statusCode !== 200 || `sha256:${hash.digest('hex')}` !== d.digest) throw new Error(`herd blob ${d.digest}: HTTP ${b.statusCode}`);
  }
}

async function herd(origin: GateOrigin, section: Section): Promise<Goal[]> {
  const rows: Array<Array<string | number>> = [];
  const goals: Goal[] = [];
  for (const side of ['gate', 'proxy'] as const) {
    const peer = side === 'gate' ? await startGated(origin) : await startProxy(origin);
    const agent = new Agent({ connections: HERD });
    try {
      const started = performance.now();
      await Promise.all(Array.from({ length: HERD }, () => pullOnce(peer.url, agent)));
      const ms = performance.now() - started;
      progress(`herd of ${HERD}, ${side}: ${ms.toFixed(0)} ms`);
      if (side === 'gate') {
        const blobs = 1 + origin.herd.layers.length;
        const scans = await metricValue(peer.url, 'portcullis_scans_total');
        const fetches = await metricValue(peer.url, 'portcullis_upstream_requests_total', { kind: 'blob' });
        const manifests = await metricValue(peer.url, 'portcullis_upstream_requests_total', { kind: 'manifest' });
        rows.push(['through the gate', ms.toFixed(0), scans, `${fetches} for ${blobs} blobs (${(fetches / blobs).toFixed(2)} per blob)`, manifests]);
        goals.push({ name: `herd of ${HERD}: scans`, value: scans, op: '≤', target: 1, unit: '' }, { name: `herd of ${HERD}: upstream fetches per blob`, value: fetches / blobs, op: '≤', target: 1 });
      } else {
        rows.push(['distribution, proxy mode', ms.toFixed(0), 'n/a (no scanning)', 'n/a', 'n/a']);
      }
    } finally {
      await agent.close();
      await peer.stop();
    }
  }
  section.heading(`The herd: ${HERD} concurrent first pulls (manifest + every blob, hashed) of a ${((origin.herd.layers.reduce((n, l) => n + l.size, 0)) / 1e6).toFixed(1)} MB image`);
  section.table(['path', 'wall ms', 'scans', 'upstream blob fetches', 'upstream manifest fetches'], rows);
  const [g, p] = rows.map((r) => Number(r[1]));
  section.text(`Herd wall time, gate ÷ proxy: ${formatRatio(ratio(g!, p!))}.`);
  return goals;
}

const section = new Section('The gate (bench/gate.ts)');
section.text(`${machine()}. Everything on 127.0.0.1 in this run; the origin is a distribution registry serving directly; vulnerability database: the Alpine v3.11 OSV records.`,
  quick ? '**Quick mode** (smaller image, one round): for checking the harness, not for the figures.' : '');
const only = new Set(argValue('only', 'manifests,pull,herd').split(','));
const origin = await startGateOrigin(imageMiB);
const goals: Goal[] = [];
try {
  if (only.has('manifests')) goals.push(...await warmManifests(origin, section));
  if (only.has('pull')) goals.push(...await coldPull(origin, section));
  if (only.has('herd')) goals.push(...await herd(origin, section));
} finally {
  await origin.stop();
}
section.goalsSummary(goals).print();
progress('gate benchmark done');
