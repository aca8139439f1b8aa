/**
 * The gateway as a real process, for e2e tests and benchmarks (peak RSS, profiles, SIGTERM).
 *
 * `startProcessGateway({config})` writes the config as YAML into a temp dir (which is also the
 * process's cwd, so every relative default such as ./data lands there), starts
 *   - mode 'serve' (default): `node --import tsx src/cli.ts serve --config FILE`, the product with
 *     every extension (auth, telemetry, gate), or
 *   - mode 'core': this file as the entry (below): the gateway core alone, no extensions — what the
 *     core benchmark measures,
 * either through tsx or, with `compiled`, from a tsc build (as production runs),
 * waits for the `"msg":"listening"` JSON log line and returns its url. `stop()` sends SIGTERM and
 * resolves with the exit code once the process has drained and exited.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { startProcess, type ExitInfo, type StartedProcess } from '../harness/process.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** tsx's loader by absolute URL: the process runs in its temp dir, where `--import tsx` would not resolve. */
const TSX = import.meta.resolve('tsx');

export type GatewayConfigInput = Partial<ConfigInput> & { upstreams: ConfigInput['upstreams'] };

export interface ProcessGatewayOptions {
  config: GatewayConfigInput;
  /** 'serve' (default): the CLI with every extension; 'core': the gateway core only. */
  mode?: 'serve' | 'core';
  /**
   * Run compiled JavaScript instead of TypeScript through tsx: the root of a tsc build of the repo
   * (holding src/ and test/support/process-gateway.js, see bench/lib/build.ts). Production runs
   * compiled code; tsx adds its loader thread and caches (~30 MB of RSS).
   */
  compiled?: string;
  /** Extra node flags, e.g. `--cpu-prof`, `--heap-prof`, `--max-old-space-size=…`. */
  nodeArgs?: string[];
  env?: Record<string, string | undefined>;
  /** How long to wait for the listening line (default 30 s). */
  startTimeoutMs?: number;
  /** Keep the temp dir (config, storage, profiles) after stop(). Default false. */
  keepDir?: boolean;
}

export interface ProcessGateway {
  /** http://127.0.0.1:PORT from the listening line */
  readonly url: string;
  /** 127.0.0.1:PORT */
  readonly hostPort: string;
  readonly pid: number;
  /** temp dir: cwd of the process, config.yaml, data/ */
  readonly dir: TempDir;
  readonly configPath: string;
  readonly process: StartedProcess;
  /** Every JSON log line printed so far, parsed (non-JSON lines are skipped). */
  logs(): Array<Record<string, unknown>>;
  /** SIGTERM (SIGKILL after `graceMs`, default 15 s), await the exit; removes the temp dir unless keepDir. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

/** The config as written: loopback on a kernel-chosen port, every path inside the temp dir. */
function withDefaults(config: GatewayConfigInput, dir: TempDir): GatewayConfigInput {
  return {
    ...config,
    server: { listen: '127.0.0.1:0', shutdownTimeout: '10s', ...config.server },
    storage: { path: dir.join('data'), ...config.storage },
    cache: { verdicts: `sqlite://${dir.join('data', 'verdicts.sqlite')}`, ...config.cache },
    vulndb: { path: dir.join('data', 'vulndb'), ...config.vulndb },
    auth: { tokensFile: dir.join('data', 'tokens.json'), ...config.auth },
  };
}

function parseLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* a partial line still arriving */
    }
  }
  return out;
}

export async function startProcessGateway(options: ProcessGatewayOptions): Promise<ProcessGateway> {
  const level = options.config.logging?.level;
  if (level === 'warn' || level === 'error') throw new Error(`logging.level ${level} hides the "listening" line (info) this waits for`);
  const dir = await makeTempDir('gwproc');
  const configPath = dir.join('config.yaml');
  await writeFile(configPath, YAML.stringify(withDefaults(options.config, dir)));
  const root = options.compiled ?? REPO;
  const ext = options.compiled ? 'js' : 'ts';
  const entry = options.mode === 'core'
    ? [path.join(root, `test/support/process-gateway.${ext}`), configPath]
    : [path.join(root, `src/cli.${ext}`), 'serve', '--config', configPath];
  const loader = options.compiled ? [] : ['--import', TSX];
  const proc = startProcess(process.execPath, [...loader, ...(options.nodeArgs ?? []), ...entry], {
    name: `portcullis ${options.mode ?? 'serve'}`,
    cwd: dir.path,
    env: options.env,
  });
  try {
    await proc.waitForOutput(/"msg":"listening"[^\n]*\n/, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await proc.kill();
    await dir.stop();
    throw error;
  }
  const listening = parseLines(proc.stdout()).find((l) => l.msg === 'listening');
  const url = String(listening?.url);
  return {
    url,
    hostPort: new URL(url).host,
    pid: proc.pid,
    dir,
    configPath,
    process: proc,
    logs: () => parseLines(proc.stdout()),
    stop: async (graceMs = 15_000) => {
      const info = await proc.stop(graceMs);
      if (!options.keepDir) await dir.stop();
      return info;
    },
  };
}

/** Entry of mode 'core': `node --import tsx test/support/process-gateway.ts CONFIG`. */
async function serveCore(configPath: string): Promise<void> {
  const { loadConfig } = await import('../../src/config/load.js');
  const { createLogger } = await import('../../src/log.js');
  const { createMetrics } = await import('../../src/telemetry/metrics.js');
  const { startGateway } = await import('../../src/gateway.js');
  const config = loadConfig(configPath);
  const logger = createLogger(config.logging.level);
  const gw = await startGateway(config, { logger, metrics: createMetrics({ defaultMetrics: true }) });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info('shutting down', { signal });
  await gw.close();
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  serveCore(process.argv[2] ?? '').then(
    () => { process.exitCode = 0; },
    (e: unknown) => {
      process.stderr.write(`process-gateway: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
