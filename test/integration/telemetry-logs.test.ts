/**
 * Logs of the real `portcullis serve` process at debug level during pulls through a token-auth
 * upstream with credentials from ${VAR}s: every line is JSON with a level, failed requests carry
 * trace ids, and no credential (passwords, Basic headers, bearer tokens, webhook secrets, a
 * client's Authorization) appears in any log line or exported span.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, MediaType, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startProcess, type StartedProcess } from '../harness/process.js';
import { importSources } from '../../src/scan/vulndb/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRETS = { UP_PASS: 'up-Pa55-7f3kQ', BAD_PASS: 'bad-Pa55-9xZr', HOOK_SECRET: 'hook-S3cr3t-v8', OTLP_TOKEN: 'otlp-T0ken-3j' };
const CLIENT_SECRET = 'client-S3cr3t-q1';

let reg: Registry;
let dir: TempDir;
let proc: StartedProcess;
let url: string;
let image: OciImage;
const otlpBodies: string[] = [];
let otlp: http.Server;

before(async () => {
  reg = await startRegistry({ auth: 'token', tokenIssuer: { users: { puller: SECRETS.UP_PASS } } });
  image = await makeImage({ layers: [{ files: { 'etc/motd': 'no secrets here\n' } }] });
  await pushImage(reg.url, 'library/app', '1', image, { credentials: reg.credentials });
  dir = await makeTempDir('logs');
  await importSources(dir.join('vulndb'), [path.join(ROOT, 'test/fixtures/osv/Debian')]);
  otlp = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => { otlpBodies.push(JSON.stringify(req.headers) + Buffer.concat(parts).toString('utf8')); res.writeHead(200).end('{}'); });
  });
  await new Promise<void>((r) => otlp.listen(0, '127.0.0.1', r));
  const config = {
    server: { listen: '127.0.0.1:0' },
    upstreams: {
      private: { url: reg.url, insecure: true, username: '${UP_USER}', password: '${UP_PASS}' },
      wrong: { url: reg.url, insecure: true, username: '${UP_USER}', password: '${BAD_PASS}', retries: 0 },
    },
    routing: { default: 'private' },
    storage: { path: dir.join('data') },
    cache: { verdicts: `sqlite://${dir.join('verdicts.sqlite')}` },
    vulndb: { path: dir.join('vulndb') },
    auth: { tokensFile: dir.join('tokens.json') },
    telemetry: { otlpEndpoint: `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`, otlpHeaders: { authorization: 'Bearer ${OTLP_TOKEN}' } },
    webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: '${HOOK_SECRET}' }],
    logging: { level: 'debug' },
  };
  await writeFile(dir.join('portcullis.yaml'), YAML.stringify(config));
  proc = startProcess(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', dir.join('portcullis.yaml')], {
    cwd: ROOT, env: { ...SECRETS, UP_USER: reg.credentials!.username, NODE_OPTIONS: undefined },
  });
  url = (await proc.waitForOutput(/"msg":"listening".*?"url":"([^"]+)"/, 30_000))[1]!;
});

after(async () => {
  await proc?.stop();
  await new Promise<void>((r) => otlp?.close(() => r()));
  await reg?.stop();
  await dir?.stop();
});

async function get(p: string, headers: Record<string, string> = {}) {
  const res = await request(url + p, { headers: { accept: `${MediaType.imageManifest}, ${MediaType.imageIndex}`, ...headers } });
  await res.body.arrayBuffer();
  return res.statusCode;
}

test('a pull with upstream credentials leaves no credential in any log line or span', async () => {
  const basicClient = 'Basic ' + Buffer.from(`someone:${CLIENT_SECRET}`).toString('base64');
  assert.equal(await get('/v2/library/app/manifests/1'), 200);
  for (const b of [image.config, ...image.layers]) assert.equal(await get(`/v2/library/app/blobs/${b.digest}`), 200);
  assert.equal(await get('/v2/library/app/tags/list'), 200);
  // client credentials the gateway does not know (refused or ignored, whatever auth decides): never logged
  await get('/v2/library/app/manifests/1', { authorization: basicClient });
  await get('/v2/library/app/tags/list', { authorization: `Bearer ${CLIENT_SECRET}` });
  assert.equal(await get(`/v2/library/app/manifests/nope?token=${CLIENT_SECRET}`), 404);
  const refused = await get('/v2/wrong/library/app/manifests/1');
  assert.ok(refused >= 400, `wrong upstream credentials are refused (got ${refused})`);
  const exit = await proc.stop(30_000);
  assert.equal(exit.code, 0);

  const out = proc.stdout();
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 5);
  for (const l of lines) {
    const j = JSON.parse(l);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(j.level), l);
    assert.equal(typeof j.msg, 'string');
    assert.ok(!Number.isNaN(Date.parse(j.time)));
  }
  const failed = lines.map((l) => JSON.parse(l)).filter((j) => j.msg === 'request' && j.status >= 400);
  assert.ok(failed.length >= 2 && failed.every((j) => /^[0-9a-f]{32}$/.test(j.trace_id)), 'failed requests are logged with their trace ids');

  const everything = [out, proc.stderr(), ...otlpBodies.map((b) => b.replace(/"authorization":"Bearer [^"]*"/, ''))].join('\n');
  const user = reg.credentials!.username;
  const forbidden = [
    ...Object.entries(SECRETS).filter(([k]) => k !== 'OTLP_TOKEN').map(([, v]) => v),
    CLIENT_SECRET,
    Buffer.from(`${user}:${SECRETS.UP_PASS}`).toString('base64'),
    Buffer.from(`${user}:${SECRETS.BAD_PASS}`).toString('base64'),
    basicClient.slice(6),
  ];
  for (const s of forbidden) assert.ok(!everything.includes(s), `a credential leaked: ${s.slice(0, 6)}…`);
  assert.ok(!out.includes(SECRETS.OTLP_TOKEN) && !proc.stderr().includes(SECRETS.OTLP_TOKEN), 'the collector token is not logged');
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(everything), 'no bearer token (JWT) from the upstream token service');
  assert.ok(otlpBodies.length > 0, 'spans were exported');
  assert.ok(otlpBodies.every((b) => b.includes(`"authorization":"Bearer ${SECRETS.OTLP_TOKEN}"`)), 'otlpHeaders are sent to the collector');
});
