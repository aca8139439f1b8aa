/** Starts a gateway in-process on a free loopback port with a temp storage dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGateway, type Gateway, type CoreServices, type Extensions } from '../../src/gateway.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

export interface TestGateway extends Gateway {
  dir: string;
  hostPort: string;
  stop(): Promise<void>;
}

export async function startTestGateway(config: Partial<ConfigInput> & { upstreams: ConfigInput['upstreams'] }, opts: { extend?: (core: CoreServices) => Promise<Extensions>; logger?: Logger; start?: typeof startGateway } = {}): Promise<TestGateway> {
  const dir = await mkdtemp(path.join(tmpdir(), 'portcullis-gw-'));
  const full = {
    ...config,
    server: { listen: '127.0.0.1:0', ...(config.server ?? {}) },
    storage: { path: dir, ...(config.storage ?? {}) },
  };
  const cfg = parseConfig(YAML.stringify(full), 'test', {});
  const logger = opts.logger ?? (process.env.PORTCULLIS_TEST_LOG ? createLogger('debug') : silentLogger);
  const gw = await (opts.start ?? startGateway)(cfg, { logger, metrics: createMetrics(), extend: opts.extend });
  const hostPort = new URL(gw.url).host;
  return {
    ...gw, dir, hostPort,
    async stop() {
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Value of a Prometheus sample from the gateway's /metrics. */
export async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => ls[k] === v)) total += Number(m[4]);
  }
  return total;
}
