/**
 * `portcullis check IMAGE --server URL` against a gateway in front of the real distribution
 * registry: exit 0 and a summary for an allowed image, 1 and the reasons for a denied one,
 * the Verdict JSON with --format json, 2 for errors; also as a real process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type Registry } from '../harness/registry.js';
import { pushImage, type OciImage } from '../harness/ociImage.js';
import { runCommand } from '../harness/process.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createGate } from '../../src/gate/wire.js';
import { checkCommand, parseImageRef } from '../../src/cli/check.js';
import { UsageError } from '../../src/cli/args.js';
import { alpineWithOldOpenssl, buildVulnDb, cleanImage, OSV, strictGateConfig } from '../fixtures/gate/gate-fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
let oldssl: OciImage;
let clean: OciImage;

before(async () => {
  [reg, dir] = await Promise.all([startRegistry(), makeTempDir('gate-check')]);
  oldssl = await alpineWithOldOpenssl();
  clean = await cleanImage('check');
  await pushImage(reg.url, 'library/oldssl', '1', oldssl);
  await pushImage(reg.url, 'library/clean', '1', clean);
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  gw = await startTestGateway(strictGateConfig(reg.url, dir.join('vulndb'), { upstream: 'hub', registries: ['docker.io'] }), { extend: (core) => createGate(core) });
});

after(async () => {
  await gw?.stop();
  await reg?.stop();
  await dir?.stop();
});

async function check(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await checkCommand(argv, (s) => { out += s; }, (s) => { err += s; });
  return { code, out, err };
}

test('image references: registry host, repository, tag or digest', () => {
  assert.deepEqual(parseImageRef('alpine'), { repository: 'alpine', reference: 'latest' });
  assert.deepEqual(parseImageRef('docker.io/library/alpine:3.11'), { registry: 'docker.io', repository: 'library/alpine', reference: '3.11' });
  assert.deepEqual(parseImageRef('localhost:5000/a/b@sha256:' + 'a'.repeat(64)), { registry: 'localhost:5000', repository: 'a/b', reference: 'sha256:' + 'a'.repeat(64) });
  assert.throws(() => parseImageRef('UPPER/case'), UsageError);
});

test('an allowed image: exit 0 and a summary', async () => {
  const r = await check('library/clean:1', '--server', gw.url);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^library/clean:1 ${clean.digest}: ALLOWED \\(enforce mode\\)\\n  findings: no known vulnerabilities\\n  report: `));
});

test('a denied image: exit 1, the reasons and the report link; JSON with --format json', async () => {
  const r = await check('docker.io/library/oldssl:1', '--server', gw.url);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /: DENIED \(enforce mode\)\n  findings: 8 unknown\n  why: 4 unrated \(CVE-2019-1547 in libcrypto1\.1 and libssl1\.1 1\.1\.1d-r0, fixed in 1\.1\.1d-r1;/);
  assert.match(r.out, new RegExp(`report: .*/api/v1/reports/${oldssl.digest}`));
  const j = await check('library/oldssl:1', '--server', gw.url, '--format', 'json');
  assert.equal(j.code, 1);
  const verdict = JSON.parse(j.out);
  assert.equal(verdict.digest, oldssl.digest);
  assert.equal(verdict.decision, 'deny');
});

test('errors: exit 2', async () => {
  const missing = await check('library/nope:1', '--server', gw.url);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /404/);
  const down = await check('library/clean:1', '--server', 'http://127.0.0.1:9');
  assert.equal(down.code, 2);
  assert.match(down.err, /cannot reach/);
  await assert.rejects(check('library/clean:1'), UsageError);
});

test('as a process: `portcullis check` exit codes', async () => {
  const run = (image: string) => runCommand(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'check', image, '--server', gw.url], { cwd: ROOT, timeoutMs: 60_000 });
  const allowed = await run('library/clean:1');
  assert.equal(allowed.code, 0, allowed.stderr);
  const denied = await run('library/oldssl:1');
  assert.equal(denied.code, 1, denied.stderr);
  assert.match(denied.stdout, /DENIED/);
  const usage = await runCommand(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'check'], { cwd: ROOT, timeoutMs: 60_000 });
  assert.equal(usage.code, 2);
});
