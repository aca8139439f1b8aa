/**
 * Setup for bench/gate.ts: the origin registry with the bench images, a vulnerability database,
 * and the processes compared — the gateway core alone, the core with the gate, distribution in
 * proxy mode — each started fresh (empty caches) when a cold figure needs it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startRegistry, type Registry } from '../test/harness/registry.js';
import { makeImage, pushImage, randomLayer, type OciImage } from '../test/harness/ociImage.js';
import { startProcess, type StartedProcess } from '../test/harness/process.js';
import { makeTempDir, type TempDir } from '../test/harness/tempDir.js';
import { startProcessGateway } from '../test/support/process-gateway.js';
import { alpineLayer, buildVulnDb, OSV } from '../test/fixtures/gate/gate-fixtures.js';
import { progress } from './lib/report.js';
import { MiB } from './lib/timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface GateOrigin {
  registry: Registry;
  dir: TempDir;
  vulndb: string;
  /** small image for warm manifest GETs (bench/small:1) */
  small: OciImage;
  /** ~50 MB image: alpine's real layer + random layers (bench/fifty:1) */
  fifty: OciImage;
  /** ~6 MB image for the herd (bench/herd:1) */
  herd: OciImage;
  /** another ~13 MB image, pulled first to warm a fresh process up (bench/warmup:1) */
  warmup: OciImage;
  stop(): Promise<void>;
}

export async function startGateOrigin(fiftyMiB: number): Promise<GateOrigin> {
  const dir = await makeTempDir('bench-gate');
  const registry = await startRegistry();
  const { layer } = await alpineLayer();
  const parts = 4;
  progress(`origin: distribution at ${registry.url}; a ${fiftyMiB} MiB image (alpine + ${parts} random layers)`);
  const random = [];
  for (let i = 0; i < parts; i++) random.push(await randomLayer(Math.round(((fiftyMiB - 3) / parts) * MiB), { file: dir.join(`r${i}.tar.gz`) }));
  const fifty = await makeImage({ layers: [layer, ...random] });
  const small = await makeImage({ layers: [{ files: { 'etc/motd': 'a small image for manifest requests\n' } }] });
  const herd = await makeImage({ layers: [layer, await randomLayer(3 * MiB)] });
  await pushImage(registry.url, 'bench/fifty', '1', fifty);
  await pushImage(registry.url, 'bench/small', '1', small);
  await pushImage(registry.url, 'bench/herd', '1', herd);
  const warmup = await makeImage({ layers: [layer, await randomLayer(6 * MiB), await randomLayer(4 * MiB)] });
  await pushImage(registry.url, 'bench/warmup', '1', warmup);
  const vulndb = dir.join('vulndb');
  await buildVulnDb(vulndb, [OSV.alpine311]);
  return { registry, dir, vulndb, small, fifty, herd, warmup, stop: async () => { await registry.stop(); await dir.stop(); } };
}

export interface Peer {
  url: string;
  hostPort: string;
  pid: number;
  stop(): Promise<unknown>;
}

/** The gateway core alone (no extensions). */
export async function startCore(origin: GateOrigin): Promise<Peer> {
  const gw = await startProcessGateway({ mode: 'core', config: { upstreams: { origin: { url: origin.registry.url, insecure: true } } } });
  return { url: gw.url, hostPort: gw.hostPort, pid: gw.pid, stop: () => gw.stop() };
}

/**
 * The core with the gate only (bench/gate-server.ts): a strict policy, the SQLite verdict store.
 * `gate: false` runs the same process without the gate (the baseline of the gate's cost).
 */
export async function startGated(origin: GateOrigin, gate = true): Promise<Peer> {
  const dir = await makeTempDir('bench-gated');
  const config = {
    server: { listen: '127.0.0.1:0' },
    upstreams: { origin: { url: origin.registry.url, insecure: true } },
    storage: { path: dir.join('data') },
    cache: { verdicts: `sqlite://${dir.join('data', 'verdicts.sqlite')}` },
    vulndb: { path: origin.vulndb },
    policy: { blockSeverity: 'low', unknownSeverity: 'critical', scanTimeout: '300s' },
  };
  await writeFile(dir.join('config.yaml'), YAML.stringify(config));
  const proc: StartedProcess = startProcess(process.execPath, ['--import', TSX, path.join(HERE, 'gate-server.ts'), dir.join('config.yaml')], {
    name: gate ? 'portcullis gate' : 'portcullis core (gate off)', cwd: dir.path, env: { GATE: gate ? 'on' : 'off' },
  });
  const m = await proc.waitForOutput(/"msg":"listening"[^\n]*"url":"([^"]+)"/, 60_000);
  const url = m[1]!;
  return { url, hostPort: new URL(url).host, pid: proc.pid, stop: async () => { await proc.stop(15_000); await dir.stop(); } };
}

/** distribution in proxy mode with an empty cache. */
export async function startProxy(origin: GateOrigin): Promise<Peer> {
  const r = await startRegistry({ proxyRemoteUrl: origin.registry.url });
  return { url: r.url, hostPort: r.hostPort, pid: r.process.pid, stop: () => r.stop() };
}
