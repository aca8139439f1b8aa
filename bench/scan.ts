/**
 * Scanner benchmark. Run alone: `node --import tsx bench/scan.ts [--runs N]`.
 *
 * 1. Scan time of a real Debian bookworm minbase image (mmdebstrap, ~50 MB gzip
 *    layer) and of a node application layer with ~1,100 installed npm packages,
 *    against the full shipped data (every source in test/fixtures/osv), as a
 *    ratio to `gzip -dc LAYER | tar -t > /dev/null` on the same layer in the same
 *    run — the cost of merely reading the bytes. Goal ≤ 1.3×. The scan is timed
 *    in process (as the gateway runs it): open the image, read every layer,
 *    catalog, match, build the Report; no layer cache. Runs alternate; the
 *    ratio compares the best run of each (other load only ever adds time), and
 *    the medians and CPU times (user + system, all threads) are printed too.
 * 2. Peak RSS of a child process scanning a 1 GiB layer (goal ≤ 300 MiB), next
 *    to the RSS of the same child that only loads the scanner and opens the DB.
 * 3. DB import throughput (records/s) for the Go + PyPI zips, next to the rate
 *    of merely reading and parsing the same records.
 * Layers are built once into $PORTCULLIS_CACHE (default ~/.cache/portcullis).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openImageSource } from '../src/scan/image/index.js';
import { scanImage } from '../src/scan/scanner.js';
import { importSources, openVulnDb, type VulnDb } from '../src/scan/vulndb/index.js';
import { openLocalSource } from '../src/scan/vulndb/record-sources.js';
import { makeImage, writeOciLayout } from '../test/harness/ociImage.js';
import { bookwormMinbase } from '../test/fixtures/scan/bookworm-image.js';
import { nodeModulesLayer, oneGibLayer, type CachedLayer } from './scan-images.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const OSV = (p: string) => path.join(REPO, 'test/fixtures/osv', p);
const ALL_SOURCES = ['Alpine-v3.10/all.zip', 'Alpine-v3.11/all.zip', 'Debian', 'PyPI/all.zip', 'Go/all.zip', 'npm'].map(OSV);
const SCAN_GOAL = 1.3;
const RSS_GOAL_MIB = 300;

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1])) : 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

interface Timing {
  ms: number;
  /** user + system CPU time (every thread of the process / every process of the pipeline) */
  cpuMs: number;
}

/** `gzip -dc LAYER | tar -t > /dev/null`, wall and CPU time (GNU time reports the pipeline's children). */
function timeBaseline(layerPath: string): Timing {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sh', '-c', 'gzip -dc "$1" | tar -t > /dev/null', 'sh', layerPath], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`baseline failed: ${result.stderr}`);
  const [user, system] = result.stderr.trim().split(/\s+/).slice(-2).map(Number) as [number, number];
  return { ms, cpuMs: (user + system) * 1000 };
}

async function timeScan(layout: string, tag: string, db: VulnDb): Promise<Timing & { packages: number; vulnerabilities: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = await scanImage(openImageSource(`oci:${layout}:${tag}`), { db });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, packages: report.packages.length, vulnerabilities: report.vulnerabilities.length };
}

async function layoutFor(dir: string, tag: string, layer: CachedLayer): Promise<string> {
  await writeOciLayout(dir, await makeImage({ layers: [layer] }), tag);
  return dir;
}

async function scanRatio(name: string, layout: string, tag: string, layer: CachedLayer, db: VulnDb): Promise<boolean> {
  timeBaseline(layer.path);
  const warm = await timeScan(layout, tag, db);
  const baselines: Timing[] = [];
  const scans: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    baselines.push(timeBaseline(layer.path));
    scans.push(await timeScan(layout, tag, db));
  }
  const best = [Math.min(...baselines.map((t) => t.ms)), Math.min(...scans.map((t) => t.ms))] as const;
  const wall = [median(baselines.map((t) => t.ms)), median(scans.map((t) => t.ms))] as const;
  const cpu = [median(baselines.map((t) => t.cpuMs)), median(scans.map((t) => t.cpuMs))] as const;
  const ratio = best[1] / best[0];
  console.log(
    `${name.padEnd(38)} ${mib(layer.size).padStart(9)}  ${secs(best[0]).padStart(8)}  ${secs(best[1]).padStart(8)}  ${ratio.toFixed(2).padStart(5)}×  ${verdict(ratio <= SCAN_GOAL)}` +
      `\n${''.padEnd(38)}   medians ${secs(wall[0])} vs ${secs(wall[1])} (${(wall[1] / wall[0]).toFixed(2)}×); CPU time ${secs(cpu[0])} vs ${secs(cpu[1])} (${(cpu[1] / cpu[0]).toFixed(2)}×); ${warm.packages} packages, ${warm.vulnerabilities} findings`,
  );
  return ratio <= SCAN_GOAL;
}

function child(args: string[]): { ms: number; maxRssMiB: number; packages: number } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/scan-rss-child.ts'), ...args], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`rss child failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { ms: number; maxRssMiB: number; packages: number };
}

async function importThroughput(tmp: string): Promise<void> {
  const sources = [OSV('Go/all.zip'), OSV('PyPI/all.zip')];
  const rates: number[] = [];
  let records = 0;
  for (let i = 0; i < 3; i++) {
    const result = await importSources(path.join(tmp, `import-${i}`), sources);
    records = result.sources.reduce((n, s) => n + s.records, 0);
    rates.push(records / (result.durationMs / 1000));
  }
  const parseRates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    let n = 0;
    for (const source of sources) {
      const opened = openLocalSource(source);
      for (const item of opened.items()) if ('value' in item) n++;
      opened.close();
    }
    parseRates.push(n / ((performance.now() - started) / 1000));
  }
  const rate = median(rates);
  console.log(`DB import, Go + PyPI zips (${records} records, fresh DB, median of 3): ${Math.round(rate).toLocaleString('en')} records/s`);
  console.log(`  reading + JSON-parsing the same records alone: ${Math.round(median(parseRates)).toLocaleString('en')} records/s → import costs ${(median(parseRates) / rate).toFixed(1)}× the parse`);
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'pc-bench-scan-'));
  try {
    console.log(`portcullis scan benchmark — Node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, ${RUNS} runs each, load average ${os.loadavg()[0]!.toFixed(1)}`);
    if (os.loadavg()[0]! > os.cpus().length / 2) console.log('  (other work is running: wall times are noisy; compare the best of the runs and the CPU times)');
    console.log('');
    await importThroughput(tmp);
    const dbDir = path.join(tmp, 'full-db');
    const full = await importSources(dbDir, ALL_SOURCES);
    console.log(`full shipped data imported: ${full.status.records} records, ecosystems ${Object.keys(full.status.ecosystems).join(', ')}\n`);
    const db = openVulnDb(dbDir);
    const layouts = path.join(tmp, 'layouts');
    console.log(`scan vs. \`gzip -dc LAYER | tar -t > /dev/null\`, interleaved runs (in-process scan, no layer cache)`);
    console.log(`${'image'.padEnd(38)} ${'gz layer'.padStart(9)}  ${'baseline'.padStart(8)}  ${'scan'.padStart(8)}  ${'ratio'.padStart(6)}  goal ≤ ${SCAN_GOAL}× (best wall times; medians and CPU time below)`);
    const met: boolean[] = [];
    const bookworm = await bookwormMinbase();
    if ('skip' in bookworm) console.log(`bookworm minbase: skipped — ${bookworm.skip}`);
    else met.push(await scanRatio('debian bookworm minbase (mmdebstrap)', await layoutFor(layouts, 'bookworm', bookworm.layer), 'bookworm', bookworm.layer, db));
    const nodeLayer = await nodeModulesLayer();
    met.push(await scanRatio('node app, ~1,100 npm packages', await layoutFor(layouts, 'node', nodeLayer), 'node', nodeLayer, db));
    db.close();

    const big = await oneGibLayer();
    await layoutFor(layouts, 'big', big);
    const idle = child([layouts, 'big', dbDir, '--baseline']);
    const scanned = child([layouts, 'big', dbDir]);
    const bigBaseline = median([timeBaseline(big.path).ms, timeBaseline(big.path).ms, timeBaseline(big.path).ms]);
    console.log(`\npeak RSS scanning a 1 GiB layer (child process): ${scanned.maxRssMiB} MiB — goal ≤ ${RSS_GOAL_MIB} MiB: ${verdict(scanned.maxRssMiB <= RSS_GOAL_MIB)}`);
    console.log(`  the same process without scanning (Node + tsx + scanner modules + DB open): ${idle.maxRssMiB} MiB → the scan adds ${scanned.maxRssMiB - idle.maxRssMiB} MiB`);
    console.log(`  its time: ${secs(scanned.ms)} vs ${secs(bigBaseline)} for gzip -dc | tar -t (${(scanned.ms / bigBaseline).toFixed(2)}×)`);
    if (!('skip' in bookworm)) console.log(`peak RSS scanning bookworm minbase (child process): ${child([layouts, 'bookworm', dbDir]).maxRssMiB} MiB`);
    console.log(`\n${met.every(Boolean) && scanned.maxRssMiB <= RSS_GOAL_MIB ? 'all goals met' : 'some goals NOT met'}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
