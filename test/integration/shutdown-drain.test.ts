/**
 * Graceful shutdown of the real CLI (`portcullis serve`) on SIGTERM, with a blob download in flight
 * that the test reads slowly: /readyz turns 503 first (while connections are still
 * accepted, server.shutdownDelay), then new connections are refused, the download completes
 * intact, and the process exits 0. A download that never completes is cut at shutdownTimeout.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import YAML from 'yaml';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, randomLayer, MediaType, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startProcess, type StartedProcess } from '../harness/process.js';
import { waitForHttp } from '../harness/waitFor.js';
import { importSources } from '../../src/scan/vulndb/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BLOB_BYTES = 48 * 1024 * 1024;
let reg: Registry;
let image: OciImage;
let dir: TempDir;

before(async () => {
  reg = await startRegistry();
  image = await makeImage({ layers: [await randomLayer(BLOB_BYTES)] });
  await pushImage(reg.url, 'library/big', '1', image);
  dir = await makeTempDir('shutdown');
  await importSources(dir.join('vulndb'), [path.join(ROOT, 'test/fixtures/osv/Debian')]);
});

after(async () => {
  await reg?.stop();
  await dir?.stop();
});

async function serve(name: string, server: Record<string, unknown>): Promise<{ proc: StartedProcess; url: string }> {
  const config = {
    server: { listen: '127.0.0.1:0', ...server },
    upstreams: { local: { url: reg.url, insecure: true } },
    storage: { path: dir.join(name, 'data') },
    cache: { verdicts: `sqlite://${dir.join(name, 'verdicts.sqlite')}` },
    vulndb: { path: dir.join('vulndb') },
    auth: { tokensFile: dir.join(name, 'tokens.json') },
  };
  await writeFile(dir.join(`${name}.yaml`), YAML.stringify(config));
  const proc = startProcess(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', dir.join(`${name}.yaml`)], { cwd: ROOT, env: { NODE_OPTIONS: undefined } });
  const url = (await proc.waitForOutput(/"msg":"listening".*?"url":"([^"]+)"/, 30_000))[1]!;
  await waitForHttp(`${url}/readyz`, { process: proc, accept: (s) => s === 200, timeoutMs: 30_000 });
  return { proc, url };
}

function get(url: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers }, resolve).on('error', reject);
  });
}

async function body(res: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

interface SlowDownload {
  res: http.IncomingMessage;
  /** reads the rest at full speed: the whole body, with what the trickle read */
  finish(): Promise<Buffer>;
}

/**
 * Starts the blob download and then reads it slowly, one chunk every 100 ms: it stays in flight for
 * seconds, yet never looks stalled (a download serving clients from memory cuts off a client that
 * stops reading for 2 s, and may retry it from the cache; see storage/download.ts).
 */
async function startSlowDownload(url: string): Promise<SlowDownload> {
  const m = await get(`${url}/v2/library/big/manifests/1`, { accept: MediaType.imageManifest });
  assert.equal(m.statusCode, 200);
  await body(m);
  const res = await get(`${url}/v2/library/big/blobs/${image.layers[0]!.digest}`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(image.layers[0]!.size));
  res.pause();
  const parts: Buffer[] = [];
  const trickle = setInterval(() => {
    const chunk = res.read() as Buffer | null;
    if (chunk) parts.push(chunk);
  }, 100);
  res.once('close', () => clearInterval(trickle));
  return {
    res,
    async finish() {
      clearInterval(trickle);
      return Buffer.concat([...parts, await body(res)]);
    },
  };
}

test('SIGTERM: not ready first, then no new connections, the download in flight completes, exit 0', async () => {
  const { proc, url } = await serve('drain', { shutdownDelay: '2s', shutdownTimeout: '60s' });
  const first = JSON.parse(proc.stdout().split('\n').find((l) => l.includes('"msg":"listening"'))!);
  assert.equal(first.url, url);
  assert.equal(first.level, 'info');

  const download = await startSlowDownload(url);
  process.kill(proc.pid, 'SIGTERM');
  await proc.waitForOutput(/"msg":"draining: not ready/);
  const ready = await get(`${url}/readyz`);
  assert.equal(ready.statusCode, 503);
  assert.equal(JSON.parse((await body(ready)).toString()).problems.server, 'shutting down');

  await proc.waitForOutput(/"msg":"stopped accepting connections/, 10_000);
  await assert.rejects(get(`${url}/healthz`), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  assert.ok(proc.isRunning(), 'still draining while the download is in flight');

  const got = await download.finish();
  assert.equal(got.length, image.layers[0]!.size);
  assert.equal(`sha256:${createHash('sha256').update(got).digest('hex')}`, image.layers[0]!.digest);

  const exit = await proc.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  const msgs = proc.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l).msg as string);
  const order = ['listening', 'shutting down', 'stopped accepting connections; waiting for requests in flight', 'stopped'].map((m) => msgs.indexOf(m));
  assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `log order: ${msgs.join(' | ')}`);
  assert.ok(!msgs.includes('shutdown timeout: closing connections still in flight'));
});

test('SIGTERM: a download that does not finish is cut at server.shutdownTimeout and the exit is still 0', async () => {
  const { proc, url } = await serve('bounded', { shutdownTimeout: '1s' });
  const { res: download } = await startSlowDownload(url);
  const cut = new Promise<void>((resolve) => download.once('close', () => resolve()));
  download.on('error', () => {});
  const sent = performance.now();
  process.kill(proc.pid, 'SIGTERM');
  const exit = await proc.exited;
  const ms = performance.now() - sent;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(ms >= 900 && ms < 15_000, `exited after ${Math.round(ms)} ms`);
  assert.match(proc.stdout(), /"msg":"shutdown timeout: closing connections still in flight"/);
  download.resume();
  await cut;
  assert.ok(!download.complete, 'the client sees a truncated body, never a complete-looking one');
});
