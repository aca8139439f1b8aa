/**
 * The gateway core benchmark (issue 2), all on loopback in one run, every figure next to its peer:
 *  - blob throughput of a 512 MiB layer, cold and warm: the gateway vs distribution in proxy mode
 *    (goal ≥ 1.0×), nginx as a plain reverse proxy (buffering off and on), distribution directly;
 *  - manifest GET req/s with wrk: by digest vs distribution directly (goal ≥ 1.0×), by tag vs
 *    distribution in proxy mode (goal ≥ 3×);
 *  - gateway peak RSS during 20 concurrent downloads of a 256 MiB blob (goal ≤ 200 MB).
 * The gateway runs as a real process (test/support/process-gateway.ts, mode 'core').
 *
 * Run alone: `node --import tsx bench/core.ts [--quick] [--rounds N] [--blob-mib 512] [--rss-blob-mib 256]
 *   [--wrk-seconds 5] [--only blobs,manifests,memory] [--tsx]`. Prints one markdown section on stdout.
 */
import { progress, Section, type Goal } from './lib/report.js';
import { argFlag, argValue, machine } from './lib/timing.js';
import { buildForBench } from './lib/build.js';
import { startOrigin } from './core-setup.js';
import { blobThroughput } from './core-blobs.js';
import { manifestRequests } from './core-manifests.js';
import { concurrentMemory } from './core-memory.js';

const quick = argFlag('quick');
const rounds = Number(argValue('rounds', quick ? '1' : '3'));
const bigMiB = Number(argValue('blob-mib', quick ? '128' : '512'));
const rssMiB = Number(argValue('rss-blob-mib', quick ? '64' : '256'));
const wrkSeconds = Number(argValue('wrk-seconds', quick ? '2' : '5'));
const only = new Set(argValue('only', 'blobs,manifests,memory').split(','));
const viaTsx = argFlag('tsx');
const CLIENTS = 20;

const section = new Section('Gateway core (bench/core.ts)');
section.text(
  `${machine()}. Everything on 127.0.0.1 in this run; the origin is a distribution registry (Debian docker-registry 2.8) serving directly.`,
  `The gateway runs as its own process: the gateway core (no scanning gate, auth or tracing extensions), ${viaTsx ? 'TypeScript through tsx (--tsx)' : 'compiled by tsc, as in production'}.`,
  quick ? '**Quick mode** (smaller blobs, one round): for checking the harness, not for the figures.' : '',
);
progress(viaTsx ? 'the gateway runs TypeScript through tsx' : 'compiling the gateway (tsc) to run it as production does');
const gatewayJs = viaTsx ? undefined : await buildForBench();
const origin = await startOrigin(bigMiB, rssMiB, gatewayJs);
const goals: Goal[] = [];
try {
  if (only.has('blobs')) goals.push(...await blobThroughput(origin, rounds, section));
  if (only.has('manifests')) goals.push(...await manifestRequests(origin, { threads: 2, connections: 32, seconds: wrkSeconds, rounds }, section));
  if (only.has('memory')) goals.push(...await concurrentMemory(origin, CLIENTS, section));
} finally {
  await origin.stop();
}
section.goalsSummary(goals).print();
progress('core benchmark done');
