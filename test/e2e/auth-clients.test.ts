/**
 * Real clients through the gateway with `anonymous: false`: skopeo --src-creds, podman login + pull,
 * ctr with an Authorization header in hosts.toml and ctr --user via the token flow. A token outside
 * its scope, an expired token and a revoked token (no restart) are refused, and the clients print why.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage, type OciImage } from '../harness/ociImage.js';
import { skopeoCopy } from '../harness/skopeo.js';
import { podmanPull, runPodman } from '../harness/podman.js';
import { ctrPull, startContainerd, type Containerd } from '../harness/containerd.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createLogger } from '../../src/log.js';
import { createAuthLayer, type AuthLayer } from '../../src/auth/wire.js';
import { createToken, revokeToken } from '../../src/auth/token-admin.js';

let reg: Registry;
let gw: TestGateway;
let auth: AuthLayer;
let work: TempDir;
let containerd: Containerd;
let image: OciImage;
let tokensFile: string;
const tokens: Record<string, string> = {};
const logs: string[] = [];

before(async () => {
  reg = await startRegistry();
  image = await makeImage({ layers: [{ files: { 'etc/motd': 'through the gate\n' } }] });
  for (const repo of ['library/app', 'acme/app']) await pushImage(reg.url, repo, '1', image);
  work = await makeTempDir('authe2e');
  tokensFile = work.join('tokens.json');
  for (const [name, scopes] of Object.entries({ ci: ['pull:library/*'], podman: ['pull:library/*'], ctr: ['pull:library/*'], temp: ['pull:**'] })) {
    tokens[name] = (await createToken(tokensFile, { name, scopes, ttlMs: 3_600_000 })).token;
  }
  tokens.old = (await createToken(tokensFile, { name: 'old', scopes: ['pull:**'], ttlMs: 1000, now: new Date(Date.now() - 3_600_000) })).token;
  gw = await startTestGateway({
    upstreams: { local: { url: reg.url, insecure: true, registries: ['docker.io'], retries: 0 } },
    routing: { default: 'local' },
    auth: { anonymous: false, tokensFile },
  }, {
    logger: createLogger('info', {}, (l) => { logs.push(l); }),
    extend: async (core) => (auth = await createAuthLayer(core)).extensions,
  });
  containerd = await startContainerd();
});

after(async () => {
  await containerd?.stop();
  await gw?.stop();
  await reg?.stop();
  await work?.stop();
});

const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

test('skopeo copy --src-creds pulls in scope and prints why it may not pull out of scope', async () => {
  const ok = await skopeoCopy(`docker://${gw.hostPort}/library/app:1`, `oci:${work.join('skopeo-ok')}:1`, { creds: `anyone:${tokens.ci}` });
  assert.equal(ok.code, 0, out(ok));
  const denied = await skopeoCopy(`docker://${gw.hostPort}/acme/app:1`, `oci:${work.join('skopeo-denied')}:1`, { creds: `anyone:${tokens.ci}` });
  assert.notEqual(denied.code, 0);
  assert.match(out(denied), /denied: token 'ci' may pull library\/\* but not acme\/app/);
  const none = await skopeoCopy(`docker://${gw.hostPort}/library/app:1`, `oci:${work.join('skopeo-none')}:1`);
  assert.notEqual(none.code, 0);
  assert.match(out(none), /unauthorized|authentication required/i);
});

test('an expired token is refused and skopeo says it expired', async () => {
  const r = await skopeoCopy(`docker://${gw.hostPort}/library/app:1`, `oci:${work.join('skopeo-old')}:1`, { creds: `anyone:${tokens.old}` });
  assert.notEqual(r.code, 0);
  assert.match(out(r), /token 'old' expired at/);
});

test('podman login, then podman pull with the credentials it stored', async () => {
  const authFile = work.join('podman-auth.json');
  const login = await runPodman(['login', '--tls-verify=false', '--authfile', authFile, '-u', 'me', '-p', tokens.podman!, gw.hostPort], { storageDir: work.join('podman-login') });
  assert.equal(login.code, 0, out(login));
  assert.match(login.stdout, /Login Succeeded/);
  const stored = JSON.parse(await readFile(authFile, 'utf8')).auths[gw.hostPort].auth as string;
  const creds = Buffer.from(stored, 'base64').toString();
  const pulled = await podmanPull('docker.io/library/app:1', { mirrorHostPort: gw.hostPort, creds });
  assert.equal(pulled.code, 0, out(pulled));
  assert.equal(pulled.fallbackConnections, 0, 'served by the mirror');
  assert.ok(pulled.imageId);
  const denied = await podmanPull('docker.io/acme/app:1', { mirrorHostPort: gw.hostPort, creds });
  assert.notEqual(denied.code, 0);
  assert.match(out(denied), /token 'podman' may pull library\/\* but not acme\/app/);
  const badLogin = await runPodman(['login', '--tls-verify=false', '--authfile', work.join('bad.json'), '-u', 'me', '-p', 'hunter2', gw.hostPort], { storageDir: work.join('podman-bad') });
  assert.notEqual(badLogin.code, 0);
});

test('ctr with an Authorization header in hosts.toml, and ctr --user through the token flow', async () => {
  const header = await ctrPull(containerd, 'docker.io/library/app:1', { mirrorUrl: gw.url, fetchOnly: true, header: { Authorization: `Bearer ${tokens.ctr}` } });
  assert.equal(header.code, 0, out(header));
  assert.equal(header.fallbackConnections, 0);
  const user = await ctrPull(containerd, 'docker.io/library/app:1', { mirrorUrl: gw.url, snapshotter: 'native', creds: `me:${tokens.ctr}` });
  assert.equal(user.code, 0, out(user));
  assert.equal(user.fallbackConnections, 0);
  const issued = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit' && l.area === 'token' && l.who === 'ctr' && l.method === 'POST' && l.decision === 'allow');
  assert.ok(issued.length >= 1, 'containerd exchanged its credentials with a POST to /token');
  const denied = await ctrPull(containerd, 'docker.io/acme/app:1', { mirrorUrl: gw.url, fetchOnly: true, header: { Authorization: `Bearer ${tokens.ctr}` } });
  assert.notEqual(denied.code, 0);
  assert.match(out(denied), /403 Forbidden/);
  const audit = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'audit' && l.who === 'ctr' && l.result === 'out_of_scope');
  assert.equal(audit?.why, "token 'ctr' may pull library/* but not acme/app");
});

test('a revoked token stops working without a restart', async () => {
  const before = await skopeoCopy(`docker://${gw.hostPort}/acme/app:1`, `oci:${work.join('rev-before')}:1`, { creds: `x:${tokens.temp}` });
  assert.equal(before.code, 0, out(before));
  const reloaded = once(auth.store, 'reload');
  await revokeToken(tokensFile, 'temp');
  await reloaded;
  const skopeo = await skopeoCopy(`docker://${gw.hostPort}/acme/app:1`, `oci:${work.join('rev-after')}:1`, { creds: `x:${tokens.temp}` });
  assert.notEqual(skopeo.code, 0);
  assert.match(out(skopeo), /invalid token: unknown or revoked/);
  const ctr = await ctrPull(containerd, 'docker.io/acme/app:1', { mirrorUrl: gw.url, fetchOnly: true, header: { Authorization: `Bearer ${tokens.temp}` } });
  assert.notEqual(ctr.code, 0);
  assert.match(out(ctr), /401 Unauthorized/);
});
