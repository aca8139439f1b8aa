/**
 * Fuzzing the running gateway (in-process, auth on, the real distribution registry upstream):
 * random /v2/ and other paths, query strings, headers and Authorization values (Basic and Bearer
 * garbage, tampered JWTs, alg none, wrong key, expired, revoked), plus raw garbage on the socket.
 * Oracles: never a 500, never an unhandled error in the log, and a credential that is not a live
 * token never gets past authentication where one is required.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Pool } from 'undici';
import { SignJWT } from 'jose';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, type OciImage } from '../harness/ociImage.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createLogger } from '../../src/log.js';
import { authExtension } from '../../src/auth/wire.js';
import { createToken, revokeToken } from '../../src/auth/token-admin.js';
import { areaOf } from '../../src/auth/access-areas.js';
import { JwtCodec } from '../../src/auth/jwt.js';

const SECRET = 'fuzz-secret-'.padEnd(40, 'x');
const HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 5000);
const RAW_RUNS = Number(process.env.FUZZ_RAW_RUNS ?? 400);
let reg: Registry;
let gw: TestGateway;
let pool: Pool;
let dir: string;
let image: OciImage;
let good: string;
let goodJwt: string;
const badJwts: string[] = [];
const unhandled: string[] = [];

before(async () => {
  reg = await startRegistry();
  image = await makeImage({ layers: [{ files: { a: 'b' } }] });
  await pushImage(reg.url, 'library/app', '1', image);
  dir = await mkdtemp(path.join(tmpdir(), 'pc-fuzz-'));
  const tokensFile = path.join(dir, 'tokens.json');
  good = (await createToken(tokensFile, { name: 'fuzz', scopes: ['pull:library/*'] })).token;
  const gone = await createToken(tokensFile, { name: 'gone', scopes: ['pull:**'] });
  await revokeToken(tokensFile, 'gone'); // a correctly signed JWT for it is then a revoked one
  gw = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, registries: ['docker.io'], retries: 0, maxFailures: 100000 } },
    routing: { default: 'local' },
    auth: { anonymous: false, tokensFile, jwtSecret: SECRET },
  }, {
    extend: authExtension,
    logger: createLogger('debug', {}, (l) => { if (l.includes('"unhandled error"') || l.includes('"level":"error"')) unhandled.push(l); }),
  });
  pool = new Pool(gw.url, { connections: 8, pipelining: 1 });
  const res = await pool.request({ method: 'GET', path: '/token?scope=repository:library/app:pull', headers: { authorization: `Bearer ${good}` } });
  goodJwt = (await res.body.json() as { token: string }).token;
  const [h, p, s] = goodJwt.split('.') as [string, string, string];
  const codec = new JwtCodec(SECRET, -60_000); // issues already-expired JWTs
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  badJwts.push(
    (await codec.sign({ sub: 'fuzz', tid: claims.tid, audience: 'x', access: [], expiresAt: null })).jwt,
    `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
    `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`,
    `${h}.${b64({ ...claims, exp: 4102444800 })}.${s}`,
    await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('wrong-key'.padEnd(40, 'y'))),
    await new SignJWT({ ...claims, tid: gone.entry.id, sub: 'gone' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET)),
  );
});

after(async () => {
  await pool?.close();
  await gw?.stop();
  await reg?.stop();
  await rm(dir, { recursive: true, force: true });
});

const segment = fc.oneof(
  fc.constantFrom('library', 'app', 'acme', 'local', 'manifests', 'blobs', 'tags', 'list', 'referrers', 'uploads', '1', 'latest', '..', '.', '', 'admin', 'api', 'v1', 'token'),
  fc.stringMatching(/^[a-z0-9._-]{1,12}$/),
  fc.stringMatching(/^(%[0-9a-fA-F]{2}|[A-Za-z0-9!$&'()*+,;=:@~._-]){1,20}$/),
  fc.constantFrom(`sha256:${'a'.repeat(64)}`, 'sha512:abc', 'md5:00', `sha256:${'0'.repeat(64)}`),
);
const pathArb = fc.oneof(
  fc.tuple(fc.constantFrom('/v2/', '/v2', '/api/', '/', '/token', '/healthz', '/metrics', '/readyz', '//', '/v2//'), fc.array(segment, { maxLength: 8 })).map(([p, segs]) => p + segs.join('/')),
  fc.tuple(fc.constantFrom('library/app', 'app', 'local/library/app', 'acme/app', 'x'.repeat(300)), fc.constantFrom('manifests/1', 'manifests/latest', `blobs/${'sha256:' + 'b'.repeat(64)}`, 'tags/list', `referrers/sha256:${'c'.repeat(64)}`, 'image-manifest', 'image-layer'))
    .map(([n, rest]) => `/v2/${n}/${rest === 'image-manifest' ? `manifests/${image.digest}` : rest === 'image-layer' ? `blobs/${image.layers[0]!.digest}` : rest}`),
);
const queryArb = fc.oneof(
  fc.constant(''),
  fc.dictionary(fc.constantFrom('ns', 'n', 'last', 'scope', 'service', 'account', 'artifactType', 'x'), fc.stringMatching(/^[A-Za-z0-9.:_%/-]{0,30}$/), { maxKeys: 4 })
    .map((d) => '?' + new URLSearchParams(d).toString()),
  fc.stringMatching(/^\?[A-Za-z0-9=&%._-]{0,60}$/),
);
const printable = fc.stringMatching(/^[\x20-\x7e]{0,200}$/);
type Auth = { kind: 'none' | 'good' | 'bad'; header?: string };
const authArb: fc.Arbitrary<Auth> = fc.oneof(
  fc.constant<Auth>({ kind: 'none' }),
  fc.constant(0).map((): Auth => ({ kind: 'good', header: `Bearer ${good}` })),
  fc.string().map((u): Auth => ({ kind: 'good', header: `Basic ${Buffer.from(`${u.replace(/:/g, '')}:${good}`).toString('base64')}` })),
  fc.constant(0).map((): Auth => ({ kind: 'good', header: `Bearer ${goodJwt}` })),
  fc.constantFrom(...Array.from({ length: 6 }, (_, i) => i)).map((i): Auth => ({ kind: 'bad', header: `Bearer ${badJwts[i]}` })),
  fc.uint8Array({ maxLength: 80 }).map((b): Auth => ({ kind: 'bad', header: `Basic ${Buffer.from(b).toString('base64')}` })),
  printable.map((s): Auth => ({ kind: 'bad', header: `Bearer ${s}` })),
  fc.tuple(fc.constantFrom('Basic', 'Bearer', 'Digest', 'basic', ''), printable).map(([s, v]): Auth => ({ kind: 'bad', header: `${s} ${v}` })),
  fc.nat({ max: 42 }).map((i): Auth => ({ kind: 'bad', header: `Bearer ${good.slice(0, 4 + i)}${good[4 + i] === 'A' ? 'B' : 'A'}${good.slice(5 + i)}` })),
  fc.nat({ max: 400 }).map((i): Auth => {
    const at = i % goodJwt.length;
    const jwt = `${goodJwt.slice(0, at)}${goodJwt[at] === 'A' ? 'B' : 'A'}${goodJwt.slice(at + 1)}`;
    return { kind: sameJwtBytes(jwt) ? 'good' : 'bad', header: `Bearer ${jwt}` }; // base64url's unused low bits
  }),
);
function sameJwtBytes(jwt: string): boolean {
  const a = jwt.split('.');
  const b = goodJwt.split('.');
  return a.length === 3 && a.every((p, i) => Buffer.from(p, 'base64url').equals(Buffer.from(b[i]!, 'base64url')));
}

const headerArb = fc.dictionary(
  fc.oneof(fc.constantFrom('accept', 'range', 'x-forwarded-for', 'via', 'if-none-match', 'user-agent', 'sec-fetch-site', 'docker-distribution-api-version'), fc.stringMatching(/^x-[a-z0-9-]{1,20}$/)),
  printable,
  { maxKeys: 5 },
);

test(`HTTP requests (${HTTP_RUNS} cases): no 500, no unhandled error, bad credentials never pass`, { timeout: 120_000 }, async (t) => {
  let n = 0;
  const statuses = new Map<number, number>();
  await fc.assert(fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'), pathArb, queryArb, headerArb, authArb, async (method, p, q, headers, auth) => {
    n++;
    const h: Record<string, string> = { ...headers };
    if (auth.header !== undefined) h.authorization = auth.header;
    const res = await pool.request({ method: method as 'GET', path: p + q, headers: h, headersTimeout: 10_000, bodyTimeout: 10_000 });
    await res.body.dump();
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    assert.notEqual(res.statusCode, 500, `${method} ${p}${q}`);
    assert.ok(res.statusCode < 500 || res.statusCode === 502 || res.statusCode === 508, `${res.statusCode} for ${method} ${p}${q}`);
    const area = areaOf(method, (p + q).split('?')[0]!, { metricsPath: '/metrics', protectMetrics: false });
    if (auth.kind !== 'good' && (area === 'registry' || area === 'api' || area === 'admin' || area === 'page')) {
      assert.ok(res.statusCode === 401 || (res.statusCode >= 400 && res.statusCode !== 403 && res.statusCode < 500 && res.statusCode !== 404), `${res.statusCode} for ${auth.kind} credentials on ${method} ${p}`);
    }
    if (auth.kind !== 'good' && res.statusCode >= 200 && res.statusCode < 300) assert.ok(area === 'open', `2xx without a valid token on ${area} ${method} ${p}`);
  }), { numRuns: HTTP_RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true });
  assert.deepEqual(unhandled, []);
  t.diagnostic(`${n} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
});

function rawExchange(data: Buffer): Promise<string> {
  const u = new URL(gw.url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.end(data));
    let out = '';
    s.on('data', (c) => { out += c.toString('latin1'); });
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.setTimeout(5000, () => s.destroy());
  });
}

test(`raw bytes on the socket (${RAW_RUNS} cases): the parser refuses garbage, the server lives`, { timeout: 60_000 }, async (t) => {
  const lineArb = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.constantFrom('GET', 'HEAD', 'CONNECT', 'G\0T', 'PRI', ''), fc.stringMatching(/^[\x21-\x7e]{0,80}$/), fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''), fc.array(fc.stringMatching(/^[\x00-\x7f]{0,60}$/), { maxLength: 6 }))
      .map(([m, target, v, hs]) => Buffer.from(`${m} ${target} ${v}\r\nHost: x\r\n${hs.join('\r\n')}\r\n\r\n`, 'latin1')),
  );
  let n = 0;
  await fc.assert(fc.asyncProperty(lineArb, async (data) => {
    n++;
    const out = await rawExchange(data);
    assert.ok(!/^HTTP\/1\.[01] 5\d\d/m.test(out) || /^HTTP\/1\.[01] 50[28]/m.test(out), out.slice(0, 200));
  }), { numRuns: RAW_RUNS });
  const alive = await pool.request({ method: 'GET', path: '/healthz' });
  await alive.body.dump();
  assert.equal(alive.statusCode, 200);
  assert.deepEqual(unhandled, []);
  t.diagnostic(`${n} raw exchanges`);
});
