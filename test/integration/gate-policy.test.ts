/**
 * The gate against the real distribution registry and real OSV data: strict policy denies an
 * image with old openssl (403 DENIED, one actionable line, Verdict in detail; HEAD without a
 * body; its blobs refused), allows the real alpine:3.11; indexes, artifacts, the API; and a
 * policy change (restart with an allowlist) re-decides from the stored findings without a scan.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeArtifact, makeImage, makeIndex, pushImage, pushRaw, pushBlob, MediaType, type OciImage, type OciIndex } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, metricValue, type TestGateway } from '../support/gateway.js';
import { createGate, type GateExtension } from '../../src/gate/wire.js';
import { alpineWithOldOpenssl, buildVulnDb, cleanImage, OLD_OPENSSL_CVES, OSV, pushRealAlpine } from '../fixtures/gate/gate-fixtures.js';

const ACCEPT = `${MediaType.imageManifest}, ${MediaType.imageIndex}`;
let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
let gate: GateExtension;
let oldssl: OciImage;
let multi: OciIndex;
let signature: OciImage;

type GatewayConfig = Parameters<typeof startTestGateway>[0];

function strictConfig(extra: Record<string, unknown> = {}): GatewayConfig {
  return {
    upstreams: { local: { url: reg.url, insecure: true, registries: ['docker.io'], retries: 0 } },
    routing: { default: 'local' },
    storage: { path: dir.join('storage') },
    cache: { verdicts: `sqlite://${dir.join('storage', 'verdicts.sqlite')}` },
    vulndb: { path: dir.join('vulndb') },
    policy: { blockSeverity: 'low', unknownSeverity: 'critical', onError: 'deny', scanTimeout: '60s', ...extra } as GatewayConfig['policy'],
  };
}

async function startGate(config: GatewayConfig): Promise<[TestGateway, GateExtension]> {
  let ext: GateExtension | undefined;
  const g = await startTestGateway(config, { extend: async (core) => (ext = await createGate(core)) });
  return [g, ext!];
}

async function fetchManifestDirect(repo: string, ref: string): Promise<Buffer> {
  const res = await request(`${reg.url}/v2/${repo}/manifests/${ref}`, { headers: { accept: ACCEPT } });
  return Buffer.from(await res.body.arrayBuffer());
}

async function get(path: string, method: 'GET' | 'HEAD' = 'GET', headers: Record<string, string> = { accept: ACCEPT }) {
  const res = await request(gw.url + path, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body, json: () => JSON.parse(body.toString()) };
}

before(async () => {
  reg = await startRegistry();
  dir = await makeTempDir('gate-policy');
  oldssl = await alpineWithOldOpenssl();
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  await pushRealAlpine(reg.hostPort, 'library/alpine', '3.11');
  const clean = await cleanImage('amd64');
  multi = makeIndex([
    await makeImage({ layers: [{ files: { a: 'clean-amd64' } }], platform: { os: 'linux', architecture: 'amd64' } }),
    await makeImage({ layers: (await alpineWithOldOpenssl('arm')).layers.map((l) => l as never), platform: { os: 'linux', architecture: 'arm64' } }),
  ]);
  await pushImage(reg.url, 'library/multi', '1', multi);
  await pushImage(reg.url, 'library/clean', '1', clean);
  signature = makeArtifact({ artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', bytes: '{"not":"verified"}' }], subject: clean.descriptor });
  for (const b of [signature.config, ...signature.layers]) await pushBlob(reg.url, 'library/clean', b);
  await pushRaw(reg.url, 'library/clean', signature.digest, signature.manifest.bytes, MediaType.imageManifest);
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  [gw, gate] = await startGate(strictConfig());
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await dir?.stop();
});

test('an image with old openssl is denied: 403 DENIED, one actionable line, the Verdict in detail', async () => {
  const r = await get('/v2/library/oldssl/manifests/1');
  assert.equal(r.status, 403);
  const err = r.json().errors[0];
  assert.equal(err.code, 'DENIED');
  assert.match(err.message, /^denied by policy: 4 unrated \(CVE-2019-1547 in libcrypto1\.1 and libssl1\.1 1\.1\.1d-r0, fixed in 1\.1\.1d-r1; CVE-2019-1549 in .*; CVE-2019-1551 in libcrypto1\.1 and libssl1\.1 1\.1\.1d-r0, fixed in 1\.1\.1d-r3; and 1 more\) — report: /);
  assert.ok(err.message.includes(`— report: ${gw.url}/api/v1/reports/${oldssl.digest}`), err.message);
  assert.ok(!err.message.includes('\n'));
  const verdict = err.detail;
  assert.equal(verdict.digest, oldssl.digest);
  assert.equal(verdict.decision, 'deny');
  assert.equal(verdict.repository, 'library/oldssl');
  const ids = new Set(verdict.reasons.map((x: { id: string }) => x.id));
  for (const cve of OLD_OPENSSL_CVES) assert.ok(ids.has(cve), `reasons name ${cve}`);
  assert.equal(verdict.summary.unknown, 8, 'four advisories × two packages');
  assert.equal(await metricValue(gw.url, 'portcullis_verdicts_total', { decision: 'deny', mode: 'enforce' }), 1);

  const head = await get('/v2/library/oldssl/manifests/1', 'HEAD');
  assert.equal(head.status, 403);
  assert.equal(head.body.length, 0, 'HEAD gets no body');
  const byDigest = await get(`/v2/library/oldssl/manifests/${oldssl.digest}`);
  assert.equal(byDigest.status, 403);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total', { result: 'ok' }), 1, 'one scan for tag, digest and HEAD');
});

test('blobs of a denied image are refused; unrelated blobs too', async () => {
  for (const blob of [oldssl.config, ...oldssl.layers]) {
    const r = await get(`/v2/library/oldssl/blobs/${blob.digest}`);
    assert.equal(r.status, 403);
    assert.equal(r.json().errors[0].code, 'DENIED');
    assert.match(r.json().errors[0].message, /CVE-2019-15/);
  }
  const stranger = await get(`/v2/library/oldssl/blobs/sha256:${'0'.repeat(64)}`);
  assert.equal(stranger.status, 403);
  assert.match(stranger.json().errors[0].message, /not part of any image of library\/oldssl this gateway has allowed/);
});

test('the real alpine:3.11 is allowed under the strict policy, blobs and all', async () => {
  const r = await get('/v2/library/alpine/manifests/3.11');
  assert.equal(r.status, 200);
  const manifest = r.json();
  for (const d of [manifest.config, ...manifest.layers]) {
    const b = await get(`/v2/library/alpine/blobs/${d.digest}`);
    assert.equal(b.status, 200, `blob ${d.digest}`);
    assert.equal(b.body.length, d.size);
  }
  const v = (await get(`/api/v1/verdicts/${r.headers['docker-content-digest']}`)).json();
  assert.equal(v.decision, 'allow');
  assert.equal(v.reasons.length, 0);
  assert.ok(v.policyHash && v.dbVersion && v.scannerVersion);
});

test('a multi-arch index is served when one platform is allowed; each platform is gated by its own digest', async () => {
  const r = await get('/v2/library/multi/manifests/1');
  assert.equal(r.status, 200);
  const [amd64, arm64] = multi.images;
  assert.equal((await get(`/v2/library/multi/manifests/${amd64!.digest}`)).status, 200);
  const denied = await get(`/v2/library/multi/manifests/${arm64!.digest}`);
  assert.equal(denied.status, 403);
  assert.match(denied.json().errors[0].message, /CVE-2019-1551/);
  assert.equal((await get(`/v2/library/multi/blobs/${amd64!.layers[0]!.digest}`)).status, 200);
  assert.equal((await get(`/v2/library/multi/blobs/${arm64!.layers[1]!.digest}`)).status, 403);
  await gate.rescanner.idle();
  const iv = (await get(`/api/v1/verdicts/${multi.digest}`)).json();
  assert.equal(iv.decision, 'allow');
  assert.deepEqual(iv.platforms.map((p: { platform: string; decision: string }) => `${p.platform}=${p.decision}`).sort(), ['linux/amd64=allow', 'linux/arm64=deny']);
});

test('signatures and other artifacts pass without a scan', async () => {
  const scans = await metricValue(gw.url, 'portcullis_scans_total');
  const r = await get(`/v2/library/clean/manifests/${signature.digest}`);
  assert.equal(r.status, 200);
  assert.equal((await get(`/v2/library/clean/blobs/${signature.layers[0]!.digest}`)).status, 200);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total'), scans);
});

test('API: report JSON and HTML page, SBOM, pulls, status', async () => {
  const report = (await get(`/api/v1/reports/${oldssl.digest}`, 'GET', { accept: 'application/json' })).json();
  assert.equal(report.digest, oldssl.digest);
  assert.equal(report.os.family, 'alpine');
  assert.ok(report.vulnerabilities.some((v: { id: string; aliases: string[] }) => v.id === 'CVE-2019-1551' && v.aliases.includes('ALPINE-CVE-2019-1551')));
  const page = await get(`/api/v1/reports/${oldssl.digest}`, 'GET', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type']!, /text\/html/);
  assert.match(page.headers['content-security-policy']!, /default-src '(none|self)'/);
  assert.doesNotMatch(page.headers['content-security-policy']!, /unsafe-inline/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal((await get('/api/v1/static/report.css', 'GET', { accept: 'text/css' })).status, 200);
  const html = page.body.toString();
  for (const s of ['library/oldssl', 'CVE-2019-1551', 'upgrade <code>libssl1.1 1.1.1d-r0</code> to <code>1.1.1d-r3', 'allowlist:', 'libcrypto1.1']) assert.ok(html.includes(s), `page shows ${s}`);
  const sbom = (await get(`/api/v1/sbom/${oldssl.digest}`)).json();
  assert.equal(sbom.bomFormat, 'CycloneDX');
  assert.equal(sbom.specVersion, '1.5');
  assert.ok(sbom.components.some((c: { purl?: string }) => c.purl?.startsWith('pkg:apk/alpine/libssl1.1@1.1.1d-r0')));
  assert.ok(sbom.vulnerabilities.some((v: { id: string; affects: unknown[] }) => v.id === 'CVE-2019-1551' && v.affects.length === 1));
  await gate.recorder.flush();
  const pulls = (await get('/api/v1/pulls?limit=50')).json().pulls as Array<{ repository: string; verdict: { decision: string } | null }>;
  assert.ok(pulls.some((p) => p.repository === 'library/oldssl' && p.verdict?.decision === 'deny'));
  const status = (await get('/api/v1/status')).json();
  assert.equal(status.vulndb.loaded, true);
  assert.equal(status.verdictStore.reachable, true);
  assert.equal((await get('/readyz')).status, 200);
  assert.equal((await get('/api/v1/verdicts/sha256:nothex')).status, 400);
  assert.equal((await get(`/api/v1/verdicts/sha256:${'e'.repeat(64)}`)).status, 404);
});

test('a policy change re-decides from the stored findings without rescanning', async () => {
  await gw.close();
  [gw, gate] = await startGate(strictConfig({ allowlist: OLD_OPENSSL_CVES.map((id) => ({ id, repositories: ['library/*'], expires: '2099-12-31', reason: 'test' })) }));
  const alpine = JSON.parse((await fetchManifestDirect('library/alpine', '3.11')).toString());
  assert.equal((await get(`/v2/library/alpine/blobs/${alpine.layers[0].digest}`)).status, 200, 'after a restart, blobs of allowed images are known before any manifest request');
  const r = await get('/v2/library/oldssl/manifests/1');
  assert.equal(r.status, 200);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total'), 0, 'no scan in the new process');
  const v = (await get(`/api/v1/verdicts/${oldssl.digest}`)).json();
  assert.equal(v.decision, 'allow');
  assert.equal(v.allowlisted.length, 4);
  assert.equal(v.validUntil, '2100-01-01T00:00:00.000Z');
  for (const blob of oldssl.layers) assert.equal((await get(`/v2/library/oldssl/blobs/${blob.digest}`)).status, 200);
});
