import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { bulkGet } from './bulk-get.js';
import { SlabPool } from '../buffers/slab-pool.js';

const BIG = randomBytes(5 * 1024 * 1024 + 123);
let server: http.Server;
let base: string;
let seen: http.IncomingHttpHeaders | undefined;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen = req.headers;
  switch (req.url) {
    case '/big': res.writeHead(200, { 'content-length': BIG.length, 'content-type': 'application/octet-stream' }); res.end(BIG); return;
    case '/chunked': res.writeHead(200, { 'content-type': 'text/plain' }); res.write('hello, '); setTimeout(() => res.end('chunked world'), 20); return;
    case '/denied': res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"', 'content-type': 'application/json' }); res.end('{"errors":[{"code":"UNAUTHORIZED"}]}'); return;
    case '/moved': res.writeHead(307, { location: '/big', 'set-cookie': ['a=1', 'b=2'] }); res.end(); return;
    case '/cut': res.writeHead(200, { 'content-length': 1000 }); res.write(Buffer.alloc(100)); setTimeout(() => res.socket!.destroy(), 20); return;
    case '/hang': return; // never answers
    case '/stall': res.writeHead(200, { 'content-length': 1000 }); res.write(Buffer.alloc(10)); return;
    default: res.writeHead(404); res.end();
  }
}

before(async () => {
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

const opts = { rejectUnauthorized: true, timeout: 2_000 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('streams a Content-Length body exactly, in large reads', async () => {
  const res = await bulkGet(`${base}/big`, { accept: '*/*', authorization: 'Bearer t' }, opts);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(BIG.length));
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  assert.equal(sha(Buffer.concat(parts)), sha(BIG));
  assert.ok(parts.length < 200, `${parts.length} chunks`);
  assert.equal(seen?.authorization, 'Bearer t');
  assert.equal(seen?.connection, 'close');
});

test('decodes a chunked body', async () => {
  const res = await bulkGet(`${base}/chunked`, {}, opts);
  assert.equal(await res.body.text(), 'hello, chunked world');
});

test('hands back non-200 answers with their headers and body', async () => {
  const denied = await bulkGet(`${base}/denied`, {}, opts);
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.headers['www-authenticate'], 'Bearer realm="x"');
  assert.deepEqual(await denied.body.json(), { errors: [{ code: 'UNAUTHORIZED' }] });
  const moved = await bulkGet(`${base}/moved`, {}, opts);
  assert.equal(moved.statusCode, 307);
  assert.equal(moved.headers.location, '/big');
  assert.deepEqual(moved.headers['set-cookie'], ['a=1', 'b=2']);
  await moved.body.dump();
});

test('a body cut short fails the stream', async () => {
  const res = await bulkGet(`${base}/cut`, {}, opts);
  await assert.rejects(async () => { for await (const _ of res.body) { /* drain */ } }, /closed the connection/);
});

test('timeouts carry undici codes: before the head and during the body', async () => {
  await assert.rejects(bulkGet(`${base}/hang`, {}, { ...opts, timeout: 200 }), { code: 'UND_ERR_HEADERS_TIMEOUT' });
  const res = await bulkGet(`${base}/stall`, {}, { ...opts, timeout: 200 });
  await assert.rejects(async () => { for await (const _ of res.body) { /* drain */ } }, { code: 'UND_ERR_BODY_TIMEOUT' });
});

test('an abort signal cancels the request', async () => {
  const ac = new AbortController();
  const p = bulkGet(`${base}/hang`, {}, { ...opts, signal: ac.signal });
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
});

test('refuses header values with line breaks (no request smuggling)', async () => {
  await assert.rejects(bulkGet(`${base}/big`, { 'x-evil': 'a\r\nhost: elsewhere' }, opts), /line break/);
});

test('https: verifies the server against the given CA', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pc-bulk-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${dir}/key.pem`,
    '-out', `${dir}/cert.pem`, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const cert = readFileSync(`${dir}/cert.pem`, 'utf8');
  const tlsServer = https.createServer({ cert, key: readFileSync(`${dir}/key.pem`) }, handler);
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  t.after(() => { tlsServer.closeAllConnections(); tlsServer.close(); });
  const url = `https://127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}/big`;
  const res = await bulkGet(url, {}, { ...opts, ca: cert });
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  assert.equal(sha(Buffer.concat(parts)), sha(BIG));
  await assert.rejects(bulkGet(url, {}, opts), /self[- ]signed|unable to verify/i);
  const insecure = await bulkGet(url, {}, { ...opts, rejectUnauthorized: false });
  assert.equal(insecure.statusCode, 200);
  await insecure.body.dump();
  // The next connection with the same trust settings resumes the TLS session (no full handshake).
  let resumed = 0;
  tlsServer.on('secureConnection', (s: import('node:tls').TLSSocket) => { if (s.isSessionReused()) resumed++; });
  for (let i = 0; i < 2; i++) {
    const again = await bulkGet(url, {}, { ...opts, ca: cert });
    for await (const c of again.body) void c;
  }
  assert.ok(resumed >= 1, 'a later GET resumed the session');
});

test('a slow reader pauses the socket and resumes it (backpressure)', async () => {
  const pool = new SlabPool(64 * 1024, 4);
  const res = await bulkGet(`${base}/big`, {}, { ...opts, pool });
  const parts: Buffer[] = [];
  for await (const c of res.body) {
    parts.push(Buffer.from(c as Buffer));
    pool.release(c as Buffer);
    if (parts.length % 8 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(sha(Buffer.concat(parts)), sha(BIG));
  assert.equal(pool.outstanding, 0, 'every slab came back');
  assert.ok(pool.freeCount > 0);
});
