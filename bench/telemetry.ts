/**
 * Tracing overhead on warm manifest GETs by digest (wrk, GET): `portcullis serve` (every
 * extension, as in production) with tracing off against tracing at 100 % sampling exporting over
 * OTLP/HTTP to a local receiver, in the same run. Each variant is its own process (the OpenTelemetry
 * API is process-global) logging to a file, started afresh and warmed up in every round (JIT
 * luck differs from process to process). Measured runs alternate; the result is the median of
 * the per-round ratios. The receiver only counts what arrives (it must not steal the CPU the
 * exporter is charged for), and the spans it got are checked against the requests served, so a
 * pipeline that drops spans cannot look cheap.
 *
 *   node --import tsx bench/telemetry.ts [--seconds 4] [--rounds 7] [--connections 16] [--threads 1] [--node-args "…"]
 * Goal: traced / untraced req/s ≥ 0.90 (overhead ≤ 10 %).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { startRegistry } from '../test/harness/registry.js';
import { makeImage, pushImage } from '../test/harness/ociImage.js';
import { makeTempDir, type TempDir } from '../test/harness/tempDir.js';
import { importSources } from '../src/scan/vulndb/index.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { curlGet } from './lib/download.js';
import { formatRatio, progress, ratio, runWhenMain, Section, type Goal } from './lib/report.js';
import { argValue, machine, median } from './lib/timing.js';
import { encodeCostRatio, otlpExportMicrosPerSpan } from './lib/export-cost.js';
import { EXPORT_BATCH_SPANS, tracesUrl } from '../src/telemetry/tracing.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Variant { name: string; proc: ChildProcess; url: string; exited: Promise<number | null> }
interface Measured { name: string; results: WrkResult[]; cpuPerRequest: number[]; mainCpuPerRequest: number[] }

/**
 * A collector stand-in that counts the spans arriving as OTLP/protobuf by walking the wire format
 * (ExportTraceServiceRequest.resource_spans → ScopeSpans → spans), decoding nothing else. It runs
 * in its own process at the lowest CPU priority: a real collector runs on another machine, and on
 * a small box it must not take the CPU the gateway is being measured on.
 */
const RECEIVER = `
const http = require('node:http');
const stats = { requests: 0, bytes: 0, spans: 0 };
function varint(b, at) { let v = 0, s = 0, c; do { c = b[at.p++]; v += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80); return v; }
/** calls fn(field, start, end) for each length-delimited field of the message in b[from, to) */
function fields(b, from, to, fn) {
  const at = { p: from };
  while (at.p < to) {
    const key = varint(b, at), wire = key & 7;
    if (wire === 0) varint(b, at);
    else if (wire === 1) at.p += 8;
    else if (wire === 5) at.p += 4;
    else { const n = varint(b, at); fn(key >>> 3, at.p, at.p + n); at.p += n; }
  }
}
const server = http.createServer((req, res) => {
  if (req.method === 'GET') { res.end(JSON.stringify(stats)); return; }
  stats.requests++;
  const parts = [];
  req.on('data', (c) => { stats.bytes += c.length; parts.push(c); });
  req.on('end', () => {
    const b = Buffer.concat(parts);
    fields(b, 0, b.length, (f, s, e) => f === 1 && fields(b, s, e, (f2, s2, e2) => f2 === 2 && fields(b, s2, e2, (f3) => { if (f3 === 2) stats.spans++; })));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startCountingReceiver() {
  const proc = spawn('nice', ['-n', '19', process.execPath, '-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    proc.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim()));
    proc.once('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const stats = async () => (await (await fetch(url)).json()) as { requests: number; bytes: number; spans: number };
  return { url, stats, close: async () => { proc.kill('SIGTERM'); await new Promise((r) => proc.once('exit', r)); } };
}

/** CPU time (user + system) a process has used, all its threads, in microseconds (Linux /proc, 100 Hz ticks). */
function cpuMicros(pid: number): number {
  return statMicros(`/proc/${pid}/stat`);
}

/** The same for its main thread alone: the one serving requests, whose CPU bounds the throughput. */
function mainThreadMicros(pid: number): number {
  return statMicros(`/proc/${pid}/task/${pid}/stat`);
}

function statMicros(file: string): number {
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function startVariant(name: string, dir: TempDir, registryUrl: string, telemetry: Record<string, unknown>): Promise<Variant> {
  const config = {
    server: { listen: '127.0.0.1:0' },
    upstreams: { origin: { url: registryUrl, insecure: true } },
    routing: { default: 'origin' },
    storage: { path: dir.join(`data-${name}`) },
    cache: { verdicts: `sqlite://${dir.join(`verdicts-${name}.sqlite`)}` },
    vulndb: { path: dir.join('vulndb') },
    auth: { tokensFile: dir.join('tokens.json') },
    telemetry,
  };
  const file = dir.join(`${name}.yaml`);
  await writeFile(file, YAML.stringify(config));
  const logFile = dir.join(`${name}.log`);
  const fd = openSync(logFile, 'w');
  // --node-args "--cpu-prof --cpu-prof-dir=/tmp/prof": extra node flags for every gateway (profiling)
  const nodeArgs = argValue('node-args', '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli.ts', 'serve', '--config', file], { cwd: ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /"msg":"listening".*?"url":"([^"]+)"/.exec(readFileSync(logFile, 'utf8'));
    if (m) return { name, proc, url: m[1]!, exited };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function telemetryBench(opts: { seconds: number; rounds: number; connections: number; threads: number }): Promise<{ section: Section; goals: Goal[] }> {
  const dir = await makeTempDir('bench-telemetry');
  const registry = await startRegistry();
  const receiver = await startCountingReceiver(); // the 100 % variant's alone: its spans are counted
  const others = await startCountingReceiver();
  const variants: Variant[] = [];
  try {
    const image = await makeImage({ layers: [{ files: { 'etc/motd': 'telemetry bench\n' } }] });
    await pushImage(registry.url, 'bench/small', '1', image);
    await importSources(dir.join('vulndb'), [path.join(ROOT, 'test/fixtures/osv/Debian')]);
    const specs: Array<{ name: string; telemetry: Record<string, unknown> }> = [
      { name: 'tracing off', telemetry: { otlpEndpoint: '' } },
      { name: 'tracing 100 %', telemetry: { otlpEndpoint: receiver.url, sampleRatio: 1 } },
      { name: 'tracing 0 %', telemetry: { otlpEndpoint: others.url, sampleRatio: 0 } },
      { name: 'tracing 10 %', telemetry: { otlpEndpoint: others.url, sampleRatio: 0.1 } },
    ];
    const headers = { accept: OCI_MANIFEST };
    const p = `/v2/bench/small/manifests/${image.digest}`;
    // Every round starts each variant afresh: how a process's JIT compiled the hot path differs
    // from process to process by several per cent, and would otherwise favour one variant for
    // the whole run. Each is warmed up before it is measured, and stopped after (which flushes
    // its last batch of spans).
    const results = new Map(specs.map((x) => [x.name, { results: [] as WrkResult[], cpuPerRequest: [] as number[], mainCpuPerRequest: [] as number[] }]));
    let tracedRequests = 0;
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? specs : [...specs].reverse();
      for (const spec of order) {
        const v = await startVariant(spec.name, dir, registry.url, spec.telemetry);
        variants.push(v);
        const first = await curlGet(v.url + p, headers);
        if (first.status !== 200) throw new Error(`warm-up GET on ${v.name}: HTTP ${first.status}`);
        const warm = await runWrk(v.url + p, { threads: opts.threads, connections: opts.connections, durationSeconds: 2, headers });
        const cpu = cpuMicros(v.proc.pid!);
        const main = mainThreadMicros(v.proc.pid!);
        const res = await runWrk(v.url + p, { threads: opts.threads, connections: opts.connections, durationSeconds: opts.seconds, headers });
        const acc = results.get(spec.name)!;
        acc.cpuPerRequest.push((cpuMicros(v.proc.pid!) - cpu) / res.requests);
        acc.mainCpuPerRequest.push((mainThreadMicros(v.proc.pid!) - main) / res.requests);
        acc.results.push(res);
        if (v.name === 'tracing 100 %') tracedRequests += 1 + warm.requests + res.requests;
        v.proc.kill('SIGTERM');
        await v.exited;
        progress(`round ${r + 1}, ${v.name}: ${res.requestsPerSecond.toFixed(0)} req/s, p99 ${res.latencyMs.p99} ms`);
      }
    }
    const before = { spans: 0, requests: 0, bytes: 0 };
    const after = await receiver.stats();
    const spans = after.spans - before.spans;
    // The export's share, measured apart: this process encodes and sends the same kind of spans.
    const exportPerSpan = await otlpExportMicrosPerSpan(tracesUrl(receiver.url), { batch: EXPORT_BATCH_SPANS, batches: 100, rounds: 5 });
    const encodeRatio = encodeCostRatio({ batch: EXPORT_BATCH_SPANS, repeats: 200, rounds: 5 });
    const measured = specs.map((x) => ({ name: x.name, ...results.get(x.name)! }));
    const [off, on, unsampled, tenth] = measured as [Measured, Measured, Measured, Measured];
    const rps = (v: Measured) => median(v.results.map((x) => x.requestsPerSecond));
    const p99 = (v: Measured) => median(v.results.map((x) => x.latencyMs.p99));
    const cpu = (v: Measured) => median(v.cpuPerRequest);
    const mainCpu = (v: Measured) => median(v.mainCpuPerRequest);
    const perRound = median(on.results.map((x, i) => ratio(x.requestsPerSecond, off.results[i]!.requestsPerSecond)));
    const vsOff = (v: Measured) => median(v.results.map((x, i) => ratio(x.requestsPerSecond, off.results[i]!.requestsPerSecond)));
    const section = new Section('Tracing overhead: warm manifest GET by digest (wrk)')
      .text(machine(), `wrk -t${opts.threads} -c${opts.connections} -d${opts.seconds}s, ${opts.rounds} alternating rounds, medians; \`portcullis serve\` with every extension, logs to a file; spans encoded on the main thread and sent as OTLP/protobuf over HTTP by the gateway's export thread to a receiver process at nice 19 (a stand-in for a collector on another machine).`)
      .table(['variant', 'req/s (median)', 'p99 ms (median)', 'gateway CPU µs/request: all threads (main thread), medians', 'rounds (req/s)'], measured.map((v) => [v.name, rps(v).toFixed(0), p99(v).toFixed(2), `${cpu(v).toFixed(0)} (${mainCpu(v).toFixed(0)})`, v.results.map((x) => x.requestsPerSecond.toFixed(0)).join(', ')]))
      .text(`traced / untraced: **${formatRatio(perRound)}** (median of per-round ratios; overhead ${((1 - perRound) * 100).toFixed(1)} %; ratio of medians ${formatRatio(ratio(rps(on), rps(off)))}). `
        + `Spans received: ${spans} for ${tracedRequests} traced requests (${(spans / Math.max(1, tracedRequests)).toFixed(2)} per request; fewer than 1 means the batch queue dropped spans); `
        + `${after.requests - before.requests} export requests, ${((after.bytes - before.bytes) / 1e6).toFixed(1)} MB. `
        + `Gateway CPU per request, traced / untraced: ${formatRatio(ratio(cpu(on), cpu(off)))} for all its threads, ${formatRatio(ratio(mainCpu(on), mainCpu(off)))} for the main thread (the one serving requests; the export thread sends the spans beside it). `
        + `Encoding and sending the spans alone (the gateway's OTLP exporter measured apart in this process, batches of ${EXPORT_BATCH_SPANS}): ${exportPerSpan.toFixed(1)} µs of CPU a span, `
        + `${((exportPerSpan * spans) / Math.max(1, tracedRequests) / cpu(off) * 100).toFixed(0)} % of an untraced request's CPU at ${(spans / Math.max(1, tracedRequests)).toFixed(2)} spans a request; `
        + `encoding with otlp-proto.ts costs ${formatRatio(encodeRatio)} the CPU of OpenTelemetry's ProtobufTraceSerializer (same bytes). `
        + `For reference, / off: tracing on with nothing sampled (context propagation, ids in log lines, no spans recorded) ${formatRatio(vsOff(unsampled))}, `
        + `10 % sampled (the Helm chart's default) ${formatRatio(vsOff(tenth))}; CPU per request ${formatRatio(ratio(cpu(unsampled), cpu(off)))} and ${formatRatio(ratio(cpu(tenth), cpu(off)))}.`);
    const goals: Goal[] = [{ name: 'tracing overhead: traced (100 % sampled) / untraced req/s', value: perRound, op: '≥', target: 0.9 }];
    section.goals(goals);
    return { section, goals };
  } finally {
    for (const v of variants) if (v.proc.exitCode === null) { v.proc.kill('SIGKILL'); await v.exited; }
    await receiver.close();
    await others.close();
    await registry.stop();
    await dir.stop();
  }
}

runWhenMain(import.meta.url, 'telemetry', telemetryBench);
