/**
 * `portcullis token create|list|revoke` as a user runs it, and `portcullis serve` picking the
 * changes up without a restart (the auth extension wired in src/main.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { runCommand, startProcess } from '../harness/process.js';
import { makeTempDir } from '../harness/tempDir.js';
import { freePort } from '../harness/ports.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = await makeTempDir('authcli');
after(() => work.stop());
const configFile = work.join('portcullis.yaml');
const tokensFile = work.join('data', 'tokens.json');
const port = await freePort();
await writeFile(configFile, `server:
  listen: "127.0.0.1:${port}"
upstreams:
  nowhere: {url: "http://127.0.0.1:9", insecure: true, retries: 0}
storage: {path: "${work.join('data')}"}
cache: {verdicts: "memory://"}
vulndb: {path: "${work.join('data', 'vulndb')}"}
auth:
  anonymous: false
  tokensFile: "${tokensFile}"
`);

const cli = (...args: string[]) => runCommand(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { cwd: root, timeoutMs: 60_000 });

test('token create prints the token once and stores only its hash (mode 0600); list and revoke', async () => {
  const created = await cli('token', 'create', '--name', 'ci', '--scope', 'pull:library/*', '--scope', 'admin', '--ttl', '30d', '--config', configFile);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^pcs_[A-Za-z0-9_-]{43}$/);
  assert.match(created.stderr, /token 'ci' created with pull:library\/\*, admin; expires \d{4}-.*shown only once/);
  const text = await readFile(tokensFile, 'utf8');
  assert.ok(!text.includes(token));
  assert.equal((await stat(tokensFile)).mode & 0o777, 0o600);
  const entry = JSON.parse(text).tokens[0];
  assert.deepEqual(Object.keys(entry).sort(), ['created', 'expires', 'hash', 'id', 'name', 'scopes']);
  assert.ok(Date.parse(entry.expires) - Date.parse(entry.created) === 30 * 86_400_000);

  const listed = await cli('token', 'list', '--config', configFile);
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /^NAME\s+SCOPES\s+CREATED\s+EXPIRES\nci\s+pull:library\/\*,admin\s+/);
  assert.ok(!listed.stdout.includes(token));

  const dup = await cli('token', 'create', '--name', 'ci', '--scope', 'admin', '--config', configFile);
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /a token named "ci" exists already/);
  const badScope = await cli('token', 'create', '--name', 'x', '--scope', 'push:*', '--config', configFile);
  assert.equal(badScope.code, 2);
  assert.match(badScope.stderr, /invalid scope "push:\*"/);
  const noName = await cli('token', 'create', '--scope', 'admin', '--config', configFile);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /needs --name/);
  const badTtl = await cli('token', 'create', '--name', 'y', '--scope', 'admin', '--ttl', 'soon', '--config', configFile);
  assert.equal(badTtl.code, 2);

  const direct = work.join('direct', 'tokens.json');
  assert.equal((await cli('token', 'create', '--name', 'd', '--scope', 'bypass:acme/*', '--ttl', 'never', '--tokens-file', direct)).code, 0);
  const json = JSON.parse((await cli('token', 'list', '--json', '--tokens-file', direct)).stdout);
  assert.deepEqual(json, [{ name: 'd', scopes: ['bypass:acme/*'], created: json[0].created, expires: null, expired: false }]);
  assert.equal((await cli('token', 'list', '--tokens-file', direct, '--config', configFile)).code, 2, 'one source only');

  assert.equal((await cli('token', 'revoke', '--name', 'ci', '--config', configFile)).code, 0);
  assert.equal((await cli('token', 'revoke', '--name', 'ci', '--config', configFile)).code, 2);
  assert.match((await cli('token', 'list', '--config', configFile)).stdout, /^no tokens$/m);
});

test('portcullis serve accepts a new token and drops a revoked one without a restart', async () => {
  const server = startProcess(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'serve', '--config', configFile], { cwd: root, name: 'portcullis serve' });
  after(() => server.stop());
  await server.waitForOutput(/"msg":"listening"/, 30_000);
  const url = `http://127.0.0.1:${port}`;
  const status = async (token?: string) => {
    const r = await request(`${url}/v2/`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await r.body.text();
    return r.statusCode;
  };
  assert.equal(await status(), 401);
  const token = (await cli('token', 'create', '--name', 'live', '--scope', 'pull:**', '--config', configFile)).stdout.trim();
  await server.waitForOutput(/"msg":"tokens reloaded"[^\n]*"tokens":1/, 10_000);
  assert.equal(await status(token), 200);
  await cli('token', 'revoke', '--name', 'live', '--config', configFile);
  await server.waitForOutput(/"msg":"tokens reloaded"[^\n]*"tokens":0/, 10_000);
  assert.equal(await status(token), 401);
  assert.ok(!server.output().includes(token), 'the token never reaches the log');
});
