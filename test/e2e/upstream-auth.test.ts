/**
 * An upstream behind token auth (distribution `auth: token` + the harness's token issuer), with
 * username/password in the gateway config: real clients pull through the gateway process without
 * credentials of their own, the gateway does the token dance (challenge → GET realm with Basic
 * credentials and the pull scope → Bearer), and caches the token across pulls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, findOciLayoutTag, type OciImage } from '../harness/ociImage.js';
import { skopeoCopy } from '../harness/skopeo.js';
import { ctr, ctrPull, startContainerd, type Containerd } from '../harness/containerd.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import type { TokenRequestRecord } from '../harness/tokenIssuer.js';
import { startProcessGateway, type ProcessGateway } from '../support/process-gateway.js';
import { metricValue } from '../support/gateway.js';

let secured: Registry;
let gw: ProcessGateway;
let containerd: Containerd;
let work: TempDir;
let image: OciImage;
let pushed: number;

before(async () => {
  [secured, work, containerd] = await Promise.all([startRegistry({ auth: 'token' }), makeTempDir('upauth'), startContainerd()]);
  image = await makeImage({ layers: [{ files: { 'etc/secret.txt': 'behind token auth\n' } }, { files: { 'bin/tool': 'x'.repeat(20_000) } }] });
  await pushImage(secured.url, 'acme/app', '1', image, { credentials: secured.credentials });
  pushed = secured.tokenIssuer!.requests.length;
  const { username, password } = secured.credentials!;
  gw = await startProcessGateway({
    config: {
      upstreams: {
        secure: { url: secured.url, insecure: true, registries: ['secure.example'], username, password, retries: 0 },
        badcreds: { url: secured.url, insecure: true, registries: ['bad.example'], username, password: 'not-the-password', retries: 0 },
      },
      routing: { default: 'secure' },
      storage: { tagTtl: '0s' },
      policy: { mode: 'audit' },
    },
  });
});

after(async () => {
  await containerd?.stop();
  await gw?.stop();
  await Promise.all([secured?.stop(), work?.stop()]);
});

function ensureOk(r: { code: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.code, 0, `${what} failed (code ${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** Token requests made by the gateway (everything after the test's own push). */
const gatewayTokenRequests = (): TokenRequestRecord[] => secured.tokenIssuer!.requests.slice(pushed);

test('pulls through a token-auth upstream: the gateway does the token dance with the pull scope and caches the token', async (t) => {
  const pulls = 4;
  for (let i = 0; i < pulls - 1; i++) {
    const out = work.join(`pull-${i}`);
    ensureOk(await skopeoCopy(`docker://${gw.hostPort}/secure/acme/app:1`, `oci:${out}:1`), `skopeo copy #${i + 1}`);
    assert.equal((await findOciLayoutTag(out, '1'))?.digest, image.digest);
  }
  const fetched = await ctrPull(containerd, 'secure.example/acme/app:1', { mirrorUrl: gw.url, hostsFor: 'secure.example', fetchOnly: true });
  ensureOk(fetched, 'ctr content fetch (?ns=secure.example)');
  assert.equal(fetched.fallbackConnections, 0);
  const content = (await ctr(containerd, ['content', 'ls', '-q'])).stdout;
  for (const blob of [image.manifest, image.config, ...image.layers]) assert.match(content, new RegExp(blob.digest));

  const dance = gatewayTokenRequests();
  assert.ok(dance.length >= 1, 'the gateway fetched a token');
  for (const r of dance) {
    assert.equal(r.method, 'GET');
    assert.equal(r.service, secured.tokenIssuer!.service, 'service from the challenge');
    assert.deepEqual(r.scopes, ['repository:acme/app:pull'], 'pull scope only, for the upstream repository');
    assert.equal(r.username, secured.credentials!.username);
    assert.equal(r.authenticated, true);
    assert.equal(r.status, 200);
    assert.deepEqual(r.granted, [{ type: 'repository', name: 'acme/app', actions: ['pull'] }]);
  }
  // tagTtl is 0 s: every pull revalidated the tag upstream, each time with the cached token.
  const manifestRequests = await metricValue(gw.url, 'portcullis_upstream_requests_total', { upstream: 'secure', kind: 'manifest' });
  assert.ok(manifestRequests >= pulls, `upstream manifest requests: ${manifestRequests}`);
  t.diagnostic(`${pulls} pulls, ${manifestRequests} upstream manifest requests, ${dance.length} token request(s)`);
  assert.ok(dance.length < pulls, `${dance.length} token requests for ${pulls} pulls`);
  assert.equal(await metricValue(gw.url, 'portcullis_upstream_requests_total', { upstream: 'secure', kind: 'token' }), dance.length);
});

test('wrong upstream credentials: the client gets an error naming the upstream and the credentials', async () => {
  const before = gatewayTokenRequests().length;
  const r = await fetch(`${gw.url}/v2/badcreds/acme/app/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(r.status, 502);
  const { errors } = (await r.json()) as { errors: Array<{ code: string; message: string }> };
  assert.match(errors[0]!.message, /upstream badcreds: token endpoint .* answered 401 \(check the upstream username\/password\)/);
  const refused = gatewayTokenRequests().slice(before);
  assert.ok(refused.length >= 1 && refused.every((t) => !t.authenticated && t.status === 401));
  const failed = await skopeoCopy(`docker://${gw.hostPort}/badcreds/acme/app:1`, `oci:${work.join('bad')}:1`);
  assert.notEqual(failed.code, 0, 'skopeo fails');
});
