/**
 * `portcullis verify` against a real distribution registry holding images signed in the test
 * (legacy `.sig` and v0.3 bundle referrers, keys from node:crypto), plus unsigned and wrongly signed ones.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, pushImage } from '../harness/ociImage.js';
import { runCommand } from '../harness/process.js';
import { signBundle, signLegacy } from '../../src/signatures/index.js';
import { pushSignature } from '../support/signing.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const trustedRoot = path.join(root, 'test/fixtures/signatures/trusted-root/root-signing-trusted_root.json');
let reg: Registry;
let dir: string;
let configFile: string;
const trusted = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ed25519');

async function verify(image: string) {
  const r = await runCommand(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'verify', image, '--config', configFile, '--insecure'], { cwd: root, timeoutMs: 60_000 });
  return { code: r.code, out: r.code === 2 ? r.stderr : JSON.parse(r.stdout) };
}

before(async () => {
  reg = await startRegistry();
  dir = await mkdtemp(path.join(tmpdir(), 'verify-cli-'));
  const pub = path.join(dir, 'release.pub');
  await writeFile(pub, trusted.publicKey.export({ type: 'spki', format: 'pem' }));
  configFile = path.join(dir, 'portcullis.yaml');
  await writeFile(configFile, [
    'upstreams:', `  local: { url: "${reg.url}", insecure: true, registries: ["${reg.hostPort}"] }`,
    'signatures:', `  trustedRoot: "${trustedRoot}"`, `  keys: [{ name: release, publicKey: "${pub}" }]`, '',
  ].join('\n'));
  const mk = (n: string) => makeImage({ layers: [{ files: { 'etc/id': n } }] });
  const legacy = await mk('legacy');
  const bundle = await mk('bundle');
  const unsigned = await mk('unsigned');
  const wrong = await mk('wrong');
  await pushImage(reg.url, 'acme/legacy', '1', legacy);
  await pushImage(reg.url, 'acme/bundle', '1', bundle);
  await pushImage(reg.url, 'acme/unsigned', '1', unsigned);
  await pushImage(reg.url, 'acme/wrong', '1', wrong);
  await pushSignature(reg.url, 'acme/legacy', signLegacy(legacy.digest, `${reg.hostPort}/acme/legacy`, trusted.privateKey), legacy.digest);
  await pushSignature(reg.url, 'acme/bundle', signBundle(bundle.digest, trusted.privateKey, { subject: { mediaType: bundle.manifest.mediaType, size: bundle.manifest.size } }), bundle.digest);
  await pushSignature(reg.url, 'acme/wrong', signLegacy(wrong.digest, `${reg.hostPort}/acme/wrong`, stranger.privateKey), wrong.digest);
});

after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a legacy .sig signature by a configured key verifies', async () => {
  const r = await verify(`${reg.hostPort}/acme/legacy:1`);
  assert.equal(r.code, 0, JSON.stringify(r.out));
  assert.equal(r.out.verified, true);
  assert.deepEqual(r.out.signer, { key: 'release' });
  assert.equal(r.out.format, 'legacy');
});

test('a v0.3 bundle referrer by a configured key verifies', async () => {
  const r = await verify(`${reg.hostPort}/acme/bundle:1`);
  assert.equal(r.code, 0, JSON.stringify(r.out));
  assert.equal(r.out.format, 'bundle');
  assert.deepEqual(r.out.signer, { key: 'release' });
});

test('unsigned and wrongly signed images do not verify, with a reason', async () => {
  const u = await verify(`${reg.hostPort}/acme/unsigned:1`);
  assert.equal(u.code, 1);
  assert.equal(u.out.verified, false);
  assert.ok(u.out.errors.length > 0);
  const w = await verify(`${reg.hostPort}/acme/wrong:1`);
  assert.equal(w.code, 1);
  assert.match(w.out.errors.join('\n'), /key|signature/i);
});

test('an unknown image is a runtime error (exit 2)', async () => {
  const r = await verify(`${reg.hostPort}/acme/nope:1`);
  assert.equal(r.code, 2);
  assert.match(r.out, /not found/);
});
