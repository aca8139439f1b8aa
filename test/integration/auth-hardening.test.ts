/**
 * Hardening against hostile clients: no open proxy (absolute-form targets, CONNECT), no request
 * bodies on /v2/, header size limit, slowloris timeouts, security headers on HTML, and the TLS
 * listener with certificate reload (self-signed certificates made with openssl).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtemp, rename, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import type { Context, Next } from 'koa';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { runCommand } from '../harness/process.js';
import { createLogger } from '../../src/log.js';
import { TLS_RELOADED_EVENT } from '../../src/http/tls.js';
import type { ConfigInput } from '../../src/config/schema.js';

const dir = await mkdtemp(path.join(tmpdir(), 'pc-harden-'));
const gateways: TestGateway[] = [];
const sentinel = net.createServer((s) => { sentinelConnections++; s.destroy(); });
let sentinelConnections = 0;
await new Promise<void>((r) => sentinel.listen(0, '127.0.0.1', r));
const sentinelPort = (sentinel.address() as net.AddressInfo).port;
after(async () => {
  for (const g of gateways) await g.stop();
  sentinel.close();
  await rm(dir, { recursive: true, force: true });
});

const htmlRoute = async (ctx: Context, next: Next) => {
  if (ctx.path !== '/page') return next();
  ctx.type = 'html';
  ctx.body = '<!doctype html><title>x</title>';
};

async function gateway(server: Partial<NonNullable<ConfigInput['server']>> = {}, onLogLine?: (line: string) => void) {
  const g = await startTestGateway({
    server: { listen: '127.0.0.1:0', ...server },
    upstreams: { nowhere: { url: `http://127.0.0.1:${sentinelPort}`, insecure: true, retries: 0 } },
  }, { extend: async () => ({ routes: [htmlRoute] }), logger: onLogLine ? createLogger('debug', {}, onLogLine) : undefined });
  gateways.push(g);
  return g;
}

/** Writes raw bytes, returns everything the server sends until it closes. */
function rawExchange(url: string, data: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(data));
    let out = '';
    s.on('data', (c) => { out += c.toString(); });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(10_000, () => { s.destroy(); reject(new Error('no close within 10 s')); });
  });
}

const plain = await gateway();

test('absolute-form targets are refused and never fetched', async () => {
  const out = await rawExchange(plain.url, `GET http://127.0.0.1:${sentinelPort}/v2/ HTTP/1.1\r\nHost: 127.0.0.1:${sentinelPort}\r\n\r\n`);
  assert.match(out, /^HTTP\/1\.1 400 /);
  assert.match(out, /not a proxy/);
  const star = await rawExchange(plain.url, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(star, /^HTTP\/1\.1 400 /);
  assert.equal(sentinelConnections, 0);
});

test('CONNECT is answered 405 and the connection closed: no tunnels', async () => {
  const out = await rawExchange(plain.url, `CONNECT 127.0.0.1:${sentinelPort} HTTP/1.1\r\nHost: 127.0.0.1:${sentinelPort}\r\n\r\n`);
  assert.match(out, /^HTTP\/1\.1 405 /);
  assert.match(out, /CONNECT is not supported/);
  assert.equal(sentinelConnections, 0);
});

test('request bodies on /v2/ are refused; header blocks over the limit get 431', async () => {
  const withBody = await rawExchange(plain.url, 'GET /v2/library/app/manifests/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
  assert.match(withBody, /^HTTP\/1\.1 400 /);
  assert.match(withBody, /request bodies are not accepted/);
  assert.match(withBody, /connection: close/i);
  const chunked = await rawExchange(plain.url, 'PUT /v2/library/app/manifests/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  assert.match(chunked, /^HTTP\/1\.1 405 /);
  const big = await rawExchange(plain.url, `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.equal(sentinelConnections, 0);
});

test('slowloris: headers sent byte by byte are cut off at headersTimeout', async () => {
  const g = await gateway({ limits: { headersTimeout: '1s', requestTimeout: '2s' } });
  const u = new URL(g.url);
  const started = performance.now();
  const s = net.connect(Number(u.port), u.hostname);
  const line = 'GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(1000);
  let i = 0;
  const drip = setInterval(() => { if (!s.destroyed && i < line.length) s.write(line[i++]!); }, 100);
  let answer = '';
  s.on('data', (c) => { answer += c.toString(); });
  s.on('error', () => undefined);
  await once(s, 'close');
  clearInterval(drip);
  const ms = performance.now() - started;
  assert.ok(ms >= 900 && ms < 2500, `closed after ${Math.round(ms)} ms`);
  assert.ok(answer === '' || /^HTTP\/1\.1 408 /.test(answer), answer);
});

test('slow request bodies are cut off at requestTimeout', async () => {
  const g = await gateway({ limits: { headersTimeout: '1s', requestTimeout: '1500ms' } });
  const u = new URL(g.url);
  const started = performance.now();
  const s = net.connect(Number(u.port), u.hostname, () => s.write('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n'));
  const drip = setInterval(() => { if (!s.destroyed) s.write('a'); }, 100);
  s.on('data', () => undefined);
  s.on('error', () => undefined);
  await once(s, 'close');
  clearInterval(drip);
  const ms = performance.now() - started;
  assert.ok(ms >= 1300 && ms < 3000, `closed after ${Math.round(ms)} ms`);
});

test('HTML pages carry the security headers; every answer carries nosniff', async () => {
  const page = await request(`${plain.url}/page`);
  await page.body.text();
  assert.equal(page.headers['content-security-policy'], "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const json = await request(`${plain.url}/v2/`);
  await json.body.text();
  assert.equal(json.headers['x-content-type-options'], 'nosniff');
  assert.equal(json.headers['content-security-policy'], undefined);
});

async function selfSigned(name: string, cn: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const r = await runCommand('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return { cert, key };
}

function peerCertificate(url: string, ca: string[]): Promise<tls.PeerCertificate> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), ca, servername: undefined }, () => { resolve(s.getPeerCertificate()); s.end(); });
    s.on('error', reject);
  });
}

test('TLS listener: serves HTTPS with the configured pair and reloads it when the files change', async () => {
  const first = await selfSigned('first', 'portcullis-first');
  const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
  await rename(first.cert, live.cert);
  await rename(first.key, live.key);
  let notReloaded = () => {};
  const g = await gateway({ tls: live }, (line) => { if (line.includes('TLS certificate not reloaded')) notReloaded(); });
  assert.match(g.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const ca1 = await readFile(live.cert, 'utf8');
  const res = await request(`${g.url}/v2/`, { dispatcher: new Agent({ connect: { ca: ca1 } }) });
  await res.body.text();
  assert.equal(res.statusCode, 200);
  assert.equal((await peerCertificate(g.url, [ca1])).subject.CN, 'portcullis-first');

  // a half-done rotation (new key, old cert) is ignored
  const second = await selfSigned('second', 'portcullis-second');
  const warned = new Promise<void>((resolve) => { notReloaded = resolve; });
  await rename(second.key, live.key);
  await warned;
  assert.equal((await peerCertificate(g.url, [ca1])).subject.CN, 'portcullis-first');

  const reloaded = once(g.server, TLS_RELOADED_EVENT);
  await rename(second.cert, live.cert);
  await reloaded;
  const ca2 = await readFile(live.cert, 'utf8');
  assert.equal((await peerCertificate(g.url, [ca2])).subject.CN, 'portcullis-second');
});
