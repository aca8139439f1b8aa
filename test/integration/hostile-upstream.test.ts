/**
 * An upstream that misbehaves on purpose (a deliberately broken server, since the real registry
 * cannot be made to lie): wrong digests, hangs, closing mid-blob, oversized manifests, outages.
 * The gateway must answer each with a clear OCI error, cache nothing bad, and keep serving.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const goodManifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha('{}'), size: 2 }, layers: [] }));
const goodBlob = Buffer.alloc(256 * 1024, 7);
const lyingBlobDigest = sha('what the digest promises');
let upstreamDown = false;
const hits: Record<string, number> = {};

const evil = http.createServer((req, res) => {
  const url = req.url ?? '';
  hits[url] = (hits[url] ?? 0) + 1;
  if (upstreamDown) { res.writeHead(503, { 'retry-after': '7' }); res.end(); return; }
  if (url === '/v2/' ) { res.writeHead(200); res.end('{}'); return; }
  if (url.endsWith('/manifests/good') || url.endsWith(`/manifests/${sha(goodManifest)}`)) {
    res.writeHead(200, { 'content-type': OCI, 'docker-content-digest': sha(goodManifest), 'content-length': goodManifest.length });
    res.end(req.method === 'HEAD' ? undefined : goodManifest);
    return;
  }
  if (url.endsWith('/manifests/wrong-header')) {
    res.writeHead(200, { 'content-type': OCI, 'docker-content-digest': sha('something else') });
    res.end(goodManifest);
    return;
  }
  if (url.endsWith(`/manifests/${sha('promised manifest')}`)) {
    res.writeHead(200, { 'content-type': OCI });
    res.end(goodManifest);
    return;
  }
  if (url.endsWith('/manifests/huge')) {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    res.writeHead(200, { 'content-type': OCI });
    res.end(big);
    return;
  }
  if (url.endsWith('/manifests/hang')) return; // never answers
  if (url.endsWith(`/blobs/${lyingBlobDigest}`)) {
    res.writeHead(200, { 'content-length': goodBlob.length });
    res.end(goodBlob);
    return;
  }
  if (url.endsWith(`/blobs/${sha(goodBlob)}`) && url.includes('closing')) {
    res.writeHead(200, { 'content-length': goodBlob.length });
    res.write(goodBlob.subarray(0, 1000));
    setTimeout(() => res.destroy(), 20);
    return;
  }
  if (url.endsWith(`/blobs/${sha(goodBlob)}`) && url.includes('redirect')) {
    res.writeHead(307, { location: `http://127.0.0.1:${(evil.address() as AddressInfo).port}/cdn/blob?sig=abc` });
    res.end();
    return;
  }
  if (url.startsWith('/cdn/blob')) {
    if (req.headers.authorization) { res.writeHead(400); res.end('auth must not reach the CDN'); return; }
    res.writeHead(200, { 'content-length': goodBlob.length });
    res.end(goodBlob);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'nope' }] }));
});

let gw: TestGateway;
let url: string;

before(async () => {
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  gw = await startTestGateway({
    upstreams: { evil: { url, insecure: true, timeout: '1s', retries: 1, maxFailures: 1000 } },
    storage: { tagTtl: '0s' },
  });
});

after(async () => {
  await gw?.stop();
  evil.closeAllConnections();
  await new Promise((r) => evil.close(r));
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(gw.url + path, { headers: { accept: OCI, ...headers } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body, err: () => JSON.parse(body.toString()).errors[0] };
}

test('a manifest whose announced digest does not match its bytes is refused', async () => {
  const r = await get('/v2/repo/manifests/wrong-header');
  assert.equal(r.status, 502);
  assert.equal(r.err().code, 'UPSTREAM_ERROR');
  assert.match(r.err().message, /announced sha256:.* but its content hashes to/);
});

test('a by-digest manifest must hash to the requested digest', async () => {
  const r = await get(`/v2/repo/manifests/${sha('promised manifest')}`);
  assert.equal(r.status, 502);
  assert.match(r.err().message, /hashes to .*refusing it/);
  const again = await get(`/v2/repo/manifests/${sha('promised manifest')}`);
  assert.equal(again.status, 502, 'nothing was cached');
});

test('a manifest over 4 MiB is refused', async () => {
  const r = await get('/v2/repo/manifests/huge');
  assert.equal(r.status, 502);
  assert.equal(r.err().code, 'MANIFEST_INVALID');
  assert.match(r.err().message, /exceeds the 4194304-byte manifest limit/);
});

test('a hanging upstream times out with a message naming it', async () => {
  const started = Date.now();
  const r = await get('/v2/repo/manifests/hang');
  assert.equal(r.status, 502);
  assert.match(r.err().message, /upstream evil .* timed out/);
  assert.ok(Date.now() - started < 10_000);
});

test('a blob whose bytes do not match its digest aborts the client and is not cached', async () => {
  await assert.rejects(async () => {
    const res = await request(`${gw.url}/v2/repo/blobs/${lyingBlobDigest}`);
    await res.body.arrayBuffer();
  });
  await assert.rejects(async () => {
    const res = await request(`${gw.url}/v2/repo/blobs/${lyingBlobDigest}`);
    await res.body.arrayBuffer();
  }, 'refetched and refused again, not served from cache');
});

test('an upstream that closes mid-blob aborts the client; nothing is cached', async () => {
  await assert.rejects(async () => {
    const res = await request(`${gw.url}/v2/closing/blobs/${sha(goodBlob)}`);
    await res.body.arrayBuffer();
  });
});

test('blob redirects (S3/CDN 307) are followed on the server side without credentials', async () => {
  const r = await get(`/v2/redirect/blobs/${sha(goodBlob)}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, goodBlob);
  assert.equal(hits['/cdn/blob?sig=abc'], 1);
});

test('stale-if-error: cached tags keep serving while the upstream is down; uncached get 503 + Retry-After', async () => {
  const first = await get('/v2/repo/manifests/good');
  assert.equal(first.status, 200);
  upstreamDown = true;
  try {
    const stale = await get('/v2/repo/manifests/good');
    assert.equal(stale.status, 200);
    assert.deepEqual(stale.body, goodManifest);
    const uncached = await get('/v2/repo/manifests/other');
    assert.equal(uncached.status, 503);
    assert.equal(uncached.headers['retry-after'], '7');
    assert.match(uncached.err().message, /upstream evil is unavailable \(503\)/);
  } finally {
    upstreamDown = false;
  }
  assert.equal((await get('/v2/')).status, 200, 'still serving');
});

test('a request that carries this gateway in Via is refused as a loop', async () => {
  const r = await get('/v2/repo/manifests/good', { via: `1.1 proxy.example, 1.1 ${os.hostname()} (portcullis)` });
  assert.equal(r.status, 508);
  assert.match(r.err().message, /request loop/);
});
