/**
 * The gateway core against the real CNCF distribution registry: pull API, routing, integrity,
 * caching, stale-if-error and shared downloads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, makeIndex, pushImage, MediaType, type OciImage, type OciIndex } from '../harness/ociImage.js';
import { randomLayer } from '../harness/randomLayer.js';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';

const OCI_ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let gw: TestGateway;
let image: OciImage;
let index: OciIndex;

before(async () => {
  reg = await startRegistry();
  image = await makeImage({ layers: [{ files: { 'etc/hello': 'hello\n' } }, { files: { 'usr/bin/tool': 'x'.repeat(5000) } }] });
  index = makeIndex([
    await makeImage({ layers: [{ files: { 'a': 'amd64' } }], platform: { os: 'linux', architecture: 'amd64' } }),
    await makeImage({ layers: [{ files: { 'a': 'arm64' } }], platform: { os: 'linux', architecture: 'arm64' } }),
  ]);
  await pushImage(reg.url, 'library/app', '1', image);
  await pushImage(reg.url, 'library/multi', '1', index);
  for (const t of ['a', 'b', 'c']) await pushImage(reg.url, 'library/app', t, image);
  gw = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, registries: ['docker.io'], retries: 0, maxFailures: 100 } },
    routing: { default: 'local' },
  });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
});

/** A request with the path sent exactly as written (no dot-segment normalisation). */
function raw(path: string): Promise<{ status: number; json: () => any }> {
  const u = new URL(gw.url);
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: () => JSON.parse(Buffer.concat(parts).toString()) }));
    }).on('error', reject);
  });
}

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH' = 'GET') {
  const res = await request(gw.url + path, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body, json: () => JSON.parse(body.toString()) };
}

test('GET /v2/ answers 200 with the API version header', async () => {
  const r = await get('/v2/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
});

test('manifest by tag and by digest: exact bytes, type, digest, length', async () => {
  const r = await get('/v2/library/app/manifests/1', { accept: OCI_ACCEPT });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, image.manifest.bytes);
  assert.equal(r.headers['content-type'], MediaType.imageManifest);
  assert.equal(r.headers['docker-content-digest'], image.digest);
  assert.equal(r.headers['content-length'], String(image.manifest.bytes.length));
  const d = await get(`/v2/library/app/manifests/${image.digest}`, { accept: OCI_ACCEPT });
  assert.deepEqual(d.body, image.manifest.bytes);
  const h = await get('/v2/library/app/manifests/1', { accept: OCI_ACCEPT }, 'HEAD');
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.equal(h.headers['docker-content-digest'], image.digest);
  assert.equal(h.headers['content-length'], String(image.manifest.bytes.length));
});

test('multi-arch index is served unchanged', async () => {
  const r = await get('/v2/library/multi/manifests/1', { accept: OCI_ACCEPT });
  assert.deepEqual(r.body, index.manifest.bytes);
  assert.equal(r.headers['content-type'], MediaType.imageIndex);
  for (const child of index.images) {
    const c = await get(`/v2/library/multi/manifests/${child.digest}`, { accept: OCI_ACCEPT });
    assert.deepEqual(c.body, child.manifest.bytes);
  }
});

test('blobs: GET, HEAD, Range', async () => {
  const layer = image.layers[1]!;
  const r = await get(`/v2/library/app/blobs/${layer.digest}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, layer.bytes);
  assert.equal(r.headers['docker-content-digest'], layer.digest);
  const h = await get(`/v2/library/app/blobs/${image.layers[0]!.digest}`, {}, 'HEAD');
  assert.equal(h.status, 200);
  assert.equal(h.headers['content-length'], String(image.layers[0]!.size));
  const p = await get(`/v2/library/app/blobs/${layer.digest}`, { range: 'bytes=10-19' });
  assert.equal(p.status, 206);
  assert.deepEqual(p.body, layer.bytes!.subarray(10, 20));
  assert.equal(p.headers['content-range'], `bytes 10-19/${layer.size}`);
  const bad = await get(`/v2/library/app/blobs/${layer.digest}`, { range: `bytes=${layer.size + 5}-` });
  assert.equal(bad.status, 416);
});

test('routing: ?ns=docker.io adds library/, upstream prefix, unknown ns refused', async () => {
  const viaNs = await get('/v2/app/manifests/1?ns=docker.io', { accept: OCI_ACCEPT });
  assert.equal(viaNs.status, 200);
  assert.equal(viaNs.headers['docker-content-digest'], image.digest);
  const viaPrefix = await get('/v2/local/library/app/manifests/1', { accept: OCI_ACCEPT });
  assert.equal(viaPrefix.headers['docker-content-digest'], image.digest);
  const refused = await get('/v2/app/manifests/1?ns=evil.example.com', { accept: OCI_ACCEPT });
  assert.equal(refused.status, 404);
  assert.equal(refused.json().errors[0].code, 'NAME_UNKNOWN');
  assert.match(refused.json().errors[0].message, /evil\.example\.com/);
});

test('tags/list with n, last and a rewritten Link', async () => {
  const r = await get('/v2/local/library/app/tags/list?n=2');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json(), { name: 'local/library/app', tags: ['1', 'a'] });
  assert.equal(r.headers.link, '</v2/local/library/app/tags/list?n=2&last=a>; rel="next"');
  const next = await get('/v2/local/library/app/tags/list?n=2&last=a');
  assert.deepEqual(next.json().tags, ['b', 'c']);
  assert.equal(next.headers.link, undefined);
  const viaNs = await get('/v2/app/tags/list?n=1&ns=docker.io');
  assert.equal(viaNs.headers.link, '</v2/app/tags/list?n=1&last=1&ns=docker.io>; rel="next"');
});

test('referrers fall back to the tag schema when distribution lacks the API', async () => {
  const r = await get(`/v2/library/app/referrers/${image.digest}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], MediaType.imageIndex);
  assert.deepEqual(r.json().manifests, []);
});

test('writes answer 405 UNSUPPORTED', async () => {
  for (const [m, p] of [['PUT', '/v2/library/app/manifests/1'], ['POST', '/v2/library/app/blobs/uploads/'], ['DELETE', `/v2/library/app/manifests/${image.digest}`], ['PATCH', '/v2/library/app/blobs/uploads/x']] as const) {
    const r = await get(p, {}, m);
    assert.equal(r.status, 405, `${m} ${p}`);
    assert.equal(r.json().errors[0].code, 'UNSUPPORTED');
  }
});

test('malformed input gets 400 with a clear error and nothing goes upstream', async () => {
  const before = await metricValue(gw.url, 'portcullis_upstream_requests_total');
  const cases: Array<[string, string]> = [
    ['/v2/Library/App/manifests/1', 'NAME_INVALID'],
    ['/v2/library/../etc/manifests/1', 'NAME_INVALID'],
    ['/v2/library%2fapp/manifests/1', 'NAME_INVALID'],
    ['/v2/library/..%2f..%2fetc/manifests/1', 'NAME_INVALID'],
    [`/v2/${'a'.repeat(300)}/manifests/1`, 'NAME_INVALID'],
    ['/v2/library/app/manifests/sha256:abc', 'DIGEST_INVALID'],
    ['/v2/library/app/blobs/sha256:../../x', 'NAME_INVALID'],
    ['/v2/library/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e', 'DIGEST_INVALID'],
    [`/v2/library/app/manifests/${'t'.repeat(200)}`, 'MANIFEST_INVALID'],
    ['/v2/library/app/manifests/.hidden', 'MANIFEST_INVALID'],
  ];
  for (const [p, code] of cases) {
    const r = await raw(p);
    assert.equal(r.status, 400, p);
    assert.equal(r.json().errors[0].code, code, p);
  }
  assert.equal(await metricValue(gw.url, 'portcullis_upstream_requests_total'), before);
  assert.equal((await get('/v2/')).status, 200, 'still serving');
});

test('unknown manifests and blobs are 404 with the spec codes', async () => {
  const m = await get('/v2/library/app/manifests/nope', { accept: OCI_ACCEPT });
  assert.equal(m.status, 404);
  assert.equal(m.json().errors[0].code, 'MANIFEST_UNKNOWN');
  const b = await get(`/v2/library/app/blobs/sha256:${'0'.repeat(64)}`);
  assert.equal(b.status, 404);
  assert.equal(b.json().errors[0].code, 'BLOB_UNKNOWN');
});

test('concurrent requests for an uncached blob share one upstream download', async () => {
  const big = await randomLayer(8 * 1024 * 1024);
  const img = await makeImage({ layers: [big] });
  await pushImage(reg.url, 'library/big', '1', img);
  const before = await metricValue(gw.url, 'portcullis_upstream_requests_total', { kind: 'blob' });
  const results = await Promise.all(Array.from({ length: 10 }, () => get(`/v2/library/big/blobs/${big.digest}`)));
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.body.length, big.size);
  }
  assert.equal(await metricValue(gw.url, 'portcullis_upstream_requests_total', { kind: 'blob' }) - before, 1);
  assert.ok(await metricValue(gw.url, 'portcullis_inflight_joins_total') >= 1);
});
