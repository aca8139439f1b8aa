/**
 * Auth overhead on warm manifest GETs by digest (wrk, GET): the gateway with the auth layer and
 * `anonymous: true` (no credentials) against `anonymous: false` with a `Authorization: Bearer pcs_…`
 * header, in the same run. Measured runs alternate (ABC, CBA, …); the result is the median of the
 * per-round ratios (each from two runs seconds apart, so slow drifts in machine load cancel), with
 * the ratio of the medians beside it, and the gateway's CPU time per request (this process's
 * user + system time over the run; wrk runs in its own process). For reference,
 * the gateway without the auth layer is measured too. Every variant writes its JSON log (one audit
 * line per request where auth is on) to a file, as a production gateway writes to stdout.
 *
 *   node --import tsx bench/auth.ts [--seconds 4] [--rounds 7] [--connections 16] [--threads 1]
 * (one wrk thread leaves the gateway a core of its own on small machines)
 * Goal: token / anonymous req/s ≥ 0.95 (overhead ≤ 5 %).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { startRegistry, type Registry } from '../test/harness/registry.js';
import { makeImage, pushImage } from '../test/harness/ociImage.js';
import { makeTempDir, type TempDir } from '../test/harness/tempDir.js';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/telemetry/metrics.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { authExtension } from '../src/auth/wire.js';
import { createToken } from '../src/auth/token-admin.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { curlGet } from './lib/download.js';
import { formatRatio, progress, ratio, runWhenMain, Section, type Goal } from './lib/report.js';
import { machine, median } from './lib/timing.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Variant {
  name: string;
  gateway: Gateway;
  headers: Record<string, string>;
  log: WriteStream;
  results: WrkResult[];
  /** gateway CPU time (user + system of this process) per request, µs, per run */
  cpuPerRequest: number[];
}

async function variant(name: string, registry: Registry, dir: TempDir, auth: { anonymous: boolean; layer: boolean }, tokensFile: string, headers: Record<string, string>): Promise<Variant> {
  const config = parseConfig(JSON.stringify({
    server: { listen: '127.0.0.1:0' },
    upstreams: { origin: { url: registry.url, insecure: true } },
    routing: { default: 'origin' },
    storage: { path: dir.join(`data-${name}`) },
    auth: { anonymous: auth.anonymous, tokensFile },
  }), 'bench', {});
  const log = createWriteStream(dir.join(`${name}.log`));
  const logger = createLogger('info', {}, (line) => { log.write(line); });
  const gateway = await startGateway(config, { logger, metrics: createMetrics(), extend: auth.layer ? authExtension : undefined });
  return { name, gateway, headers: { accept: OCI_MANIFEST, ...headers }, log, results: [], cpuPerRequest: [] };
}

export async function authBench(opts: { seconds: number; rounds: number; connections: number; threads: number }): Promise<{ section: Section; goals: Goal[] }> {
  const dir = await makeTempDir('bench-auth');
  const registry = await startRegistry();
  const variants: Variant[] = [];
  try {
    const image = await makeImage({ layers: [{ files: { 'etc/motd': 'auth bench\n' } }] });
    await pushImage(registry.url, 'bench/small', '1', image);
    const tokensFile = dir.join('tokens.json');
    const { token } = await createToken(tokensFile, { name: 'bench', scopes: ['pull:bench/*'] });
    variants.push(
      await variant('anonymous', registry, dir, { anonymous: true, layer: true }, tokensFile, {}),
      await variant('token', registry, dir, { anonymous: false, layer: true }, tokensFile, { authorization: `Bearer ${token}` }),
      await variant('no-auth-layer', registry, dir, { anonymous: true, layer: false }, tokensFile, {}),
    );
    const path = `/v2/bench/small/manifests/${image.digest}`;
    for (const v of variants) {
      const first = await curlGet(v.gateway.url + path, v.headers);
      if (first.status !== 200) throw new Error(`warm-up GET on ${v.name}: HTTP ${first.status}`);
      await runWrk(v.gateway.url + path, { threads: opts.threads, connections: opts.connections, durationSeconds: 2, headers: v.headers });
    }
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const cpu = process.cpuUsage();
        const res = await runWrk(v.gateway.url + path, { threads: opts.threads, connections: opts.connections, durationSeconds: opts.seconds, headers: v.headers });
        const used = process.cpuUsage(cpu);
        v.results.push(res);
        v.cpuPerRequest.push((used.user + used.system) / res.requests);
        progress(`round ${r + 1}, ${v.name}: ${res.requestsPerSecond.toFixed(0)} req/s, p99 ${res.latencyMs.p99} ms`);
      }
    }
    const rps = (name: string) => median(variants.find((v) => v.name === name)!.results.map((x) => x.requestsPerSecond));
    const cpu = (name: string) => median(variants.find((v) => v.name === name)!.cpuPerRequest);
    const p99 = (name: string) => median(variants.find((v) => v.name === name)!.results.map((x) => x.latencyMs.p99));
    const perRound = (a: string, b: string) => median(variants.find((v) => v.name === a)!.results.map((x, i) => ratio(x.requestsPerSecond, variants.find((v) => v.name === b)!.results[i]!.requestsPerSecond)));
    const tokenVsAnonymous = perRound('token', 'anonymous');
    const layerVsCore = perRound('anonymous', 'no-auth-layer');
    const section = new Section('Auth overhead: warm manifest GET by digest (wrk)')
      .text(machine(), `wrk -t${opts.threads} -c${opts.connections} -d${opts.seconds}s, ${opts.rounds} alternating rounds, medians; one audit log line per request to a file.`)
      .table(['variant', 'req/s (median)', 'p99 ms (median)', 'gateway CPU µs/request (median)', 'rounds (req/s)'], variants.map((v) => [v.name, rps(v.name).toFixed(0), p99(v.name).toFixed(2), cpu(v.name).toFixed(1), v.results.map((x) => x.requestsPerSecond.toFixed(0)).join(', ')]))
      .text(`token / anonymous: **${formatRatio(tokenVsAnonymous)}** (median of per-round ratios; overhead ${((1 - tokenVsAnonymous) * 100).toFixed(1)} %; ratio of medians ${formatRatio(ratio(rps('token'), rps('anonymous')))}). `
        + `Gateway CPU per request, token / anonymous: ${formatRatio(ratio(cpu('token'), cpu('anonymous')))} (less sensitive to other load on the machine). `
        + `Auth layer with anonymous: true / no auth layer: ${formatRatio(layerVsCore)} req/s (mostly the audit line written for every request).`);
    const goals: Goal[] = [{ name: 'auth overhead: token / anonymous req/s', value: tokenVsAnonymous, op: '≥', target: 0.95 }];
    section.goals(goals);
    return { section, goals };
  } finally {
    for (const v of variants) {
      await v.gateway.close();
      v.log.end();
    }
    await registry.stop();
    await dir.stop();
  }
}

runWhenMain(import.meta.url, 'auth', authBench);
