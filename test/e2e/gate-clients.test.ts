/**
 * Real clients through the gate (the gateway as a real process, `portcullis serve`), in front of
 * the real distribution registry, with real OSV data: an image with old openssl is refused by
 * skopeo, containerd (ctr) and podman with the CVE and the report link in what they print; the
 * real alpine:3.11 is pulled under the strict policy; after allowlisting the findings (a policy
 * change: restart with the same storage) the image is pulled without a new scan.
 * Fallback hosts are loopback sentinels: nothing leaves 127.0.0.1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type Registry } from '../harness/registry.js';
import { pushImage, type OciImage } from '../harness/ociImage.js';
import { skopeoCopy } from '../harness/skopeo.js';
import { ctrPull, startContainerd, type Containerd } from '../harness/containerd.js';
import { podmanPull } from '../harness/podman.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startProcessGateway, type GatewayConfigInput, type ProcessGateway } from '../support/process-gateway.js';
import { metricValue } from '../support/gateway.js';
import { alpineWithOldOpenssl, buildVulnDb, OLD_OPENSSL_CVES, OSV, pushRealAlpine } from '../fixtures/gate/gate-fixtures.js';

let reg: Registry;
let work: TempDir;
let gw: ProcessGateway;
let containerd: Containerd;
let oldssl: OciImage;

function config(allowlist: Array<Record<string, unknown>> = []): GatewayConfigInput {
  return {
    upstreams: { hub: { url: reg.url, insecure: true, registries: ['docker.io'], retries: 0 } },
    routing: { default: 'hub' },
    storage: { path: work.join('data') },
    cache: { verdicts: `sqlite://${work.join('data', 'verdicts.sqlite')}` },
    vulndb: { path: work.join('vulndb') },
    policy: { blockSeverity: 'low', unknownSeverity: 'critical', onError: 'deny', allowlist } as GatewayConfigInput['policy'],
  };
}

before(async () => {
  [reg, work] = await Promise.all([startRegistry(), makeTempDir('gate-clients')]);
  oldssl = await alpineWithOldOpenssl();
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  await pushRealAlpine(reg.hostPort, 'library/alpine', '3.11');
  await buildVulnDb(work.join('vulndb'), [OSV.alpine311]);
  [gw, containerd] = await Promise.all([startProcessGateway({ config: config() }), startContainerd()]);
});

after(async () => {
  await gw?.stop();
  await containerd?.stop();
  await reg?.stop();
  await work?.stop();
});

const reportUrl = () => `${gw.url}/api/v1/reports/${oldssl.digest}`;

test('skopeo is refused with the CVEs and the report link', async () => {
  const out = await work.join('skopeo-denied');
  const r = await skopeoCopy(`docker://${gw.hostPort}/library/oldssl:1`, `oci:${out}:1`);
  console.log('# skopeo stderr:', r.stderr.trim());
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /denied by policy: 4 unrated \(CVE-2019-1547 in libcrypto1\.1 and libssl1\.1 1\.1\.1d-r0, fixed in 1\.1\.1d-r1;/);
  assert.ok(r.stderr.includes(reportUrl()), 'prints the report link');
});

test('containerd (ctr) is refused with the CVEs and the report link in the HEAD status line', async () => {
  const r = await ctrPull(containerd, 'docker.io/library/oldssl:1', { mirrorUrl: gw.url });
  const out = r.stdout + r.stderr;
  console.log('# ctr output:', out.trim().split('\n').slice(-1).join('\n'));
  assert.notEqual(r.code, 0);
  assert.match(out, /failed with status code \[manifests 1\]: 403 Forbidden: denied by policy: 4 unrated \(CVE-2019-1547 in libcrypto1\.1 and libssl1\.1 1\.1\.1d-r0, fixed in 1\.1\.1d-r1;.*CVE-2019-1551/);
  assert.ok(out.includes(`- report: ${reportUrl()}`), 'prints the report link');
  // containerd tries the next host (here `server`, a loopback sentinel) after any non-404 error
  // from a mirror: deployments must make the gateway the `server` too, or block direct egress.
  assert.equal(r.fallbackConnections, 1);
  const gatewayOnly = await ctrPull(containerd, 'docker.io/library/oldssl:1', { mirrorUrl: gw.url, fallbackServer: gw.url });
  assert.notEqual(gatewayOnly.code, 0);
  assert.match(gatewayOnly.stdout + gatewayOnly.stderr, /403 Forbidden: denied by policy/);
});

test('podman is refused with the CVEs and the report link', async () => {
  const r = await podmanPull('docker.io/library/oldssl:1', { mirrorHostPort: gw.hostPort });
  console.log('# podman stderr:', r.stderr.trim().split('\n').slice(-3).join('\n'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /CVE-2019-1551/);
  assert.ok(r.stderr.includes(reportUrl()));
});

test('the real alpine:3.11 is pulled under the strict policy by skopeo and ctr', async () => {
  const s = await skopeoCopy(`docker://${gw.hostPort}/library/alpine:3.11`, `oci:${work.join('alpine-oci')}:3.11`);
  assert.equal(s.code, 0, s.stderr);
  const c = await ctrPull(containerd, 'docker.io/library/alpine:3.11', { mirrorUrl: gw.url });
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.fallbackConnections, 0);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total', { result: 'ok' }), 2, 'oldssl and alpine, each scanned once');
});

test('allowlisting its findings lets the image through, decided from the stored findings without a scan', async () => {
  await gw.stop();
  gw = await startProcessGateway({ config: config(OLD_OPENSSL_CVES.map((id) => ({ id, repositories: ['library/oldssl'], expires: '2099-01-01', reason: 'e2e' }))) });
  const s = await skopeoCopy(`docker://${gw.hostPort}/library/oldssl:1`, `oci:${work.join('oldssl-oci')}:1`);
  assert.equal(s.code, 0, s.stderr);
  const c = await ctrPull(containerd, 'docker.io/library/oldssl:1', { mirrorUrl: gw.url });
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.fallbackConnections, 0);
  assert.equal(await metricValue(gw.url, 'portcullis_scans_total'), 0, 'the policy change needed no scan');
  assert.equal(await metricValue(gw.url, 'portcullis_verdicts_total', { decision: 'allow', mode: 'enforce' }), 1);
});
