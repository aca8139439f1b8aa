import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../log.js';
import { createToken, listTokens, revokeToken, TokenAdminError } from './token-admin.js';
import { TokenStore } from './token-store.js';
import { parseTokensFile, TokensFileError } from './tokens-file.js';
import { generateToken } from './token-secret.js';

async function tempFile(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pc-tokens-'));
  // the store's watchers and timers do not keep a process alive (a server does); this test must
  const keepAlive = setInterval(() => {}, 1000);
  t.after(async () => { clearInterval(keepAlive); await rm(dir, { recursive: true, force: true }); });
  return path.join(dir, 'sub', 'tokens.json');
}

test('create stores only a hash, mode 0600, and refuses duplicates and bad input', async (t) => {
  const file = await tempFile(t);
  const { token, entry } = await createToken(file, { name: 'ci', scopes: ['pull:library/*', 'pull:library/*', 'admin'], ttlMs: 86_400_000, now: new Date('2030-01-01T00:00:00Z') });
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes(token), 'the token itself is never written');
  assert.ok(!text.includes(token.slice(4, 20)));
  assert.deepEqual(entry.scopes, ['pull:library/*', 'admin']);
  assert.equal(entry.expires, '2030-01-02T00:00:00.000Z');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal(parseTokensFile(text)[0]!.hash, entry.hash);
  await assert.rejects(createToken(file, { name: 'ci', scopes: ['admin'] }), TokenAdminError);
  await assert.rejects(createToken(file, { name: 'bad name', scopes: ['admin'] }), /invalid token name/);
  await assert.rejects(createToken(file, { name: 'x', scopes: ['push:y'] }), /invalid scope/);
  const list = await listTokens(file, new Date('2030-01-03T00:00:00Z'));
  assert.deepEqual(list.map((l) => [l.name, l.expired]), [['ci', true]]);
  assert.equal(await revokeToken(file, 'ci'), true);
  assert.equal(await revokeToken(file, 'ci'), false);
});

test('concurrent creates under the lock lose nothing', async (t) => {
  const file = await tempFile(t);
  await Promise.all(Array.from({ length: 10 }, (_, i) => createToken(file, { name: `t${i}`, scopes: ['pull:**'] })));
  assert.equal((await listTokens(file)).length, 10);
});

test('the store finds tokens by secret and follows the file: add, revoke, broken file fails closed', async (t) => {
  const file = await tempFile(t);
  const a = await createToken(file, { name: 'a', scopes: ['pull:**'] });
  const store = await TokenStore.open(file, { logger: silentLogger, pollMs: 60_000 });
  t.after(() => store.close());
  assert.equal(store.findBySecret(a.token)?.name, 'a');
  assert.equal(store.findBySecret(generateToken()), undefined);
  assert.equal(store.findById(a.entry.id)?.name, 'a');

  let reloaded = once(store, 'reload');
  const b = await createToken(file, { name: 'b', scopes: ['admin'] });
  await reloaded;
  assert.equal(store.findBySecret(b.token)?.name, 'b');

  reloaded = once(store, 'reload');
  await revokeToken(file, 'a');
  await reloaded;
  assert.equal(store.findBySecret(a.token), undefined, 'revoked without a restart');
  assert.equal(store.findById(a.entry.id), undefined);

  const failed = once(store, 'reloadFailed');
  await writeFile(file, '{"version":1,"tokens":[{"oops":');
  const [why] = await failed;
  assert.match(why as string, /not JSON/);
  assert.equal(store.findBySecret(b.token), undefined, 'a broken file leaves no token valid');
  assert.ok(store.problem);

  reloaded = once(store, 'reload');
  await rm(file);
  await reloaded;
  assert.equal(store.size, 0);
  assert.equal(store.problem, undefined);
});

test('the periodic check notices changes even without fs events', async (t) => {
  const file = await tempFile(t);
  await createToken(file, { name: 'a', scopes: ['pull:**'] });
  const store = await TokenStore.open(file, { logger: silentLogger, pollMs: 50 });
  t.after(() => store.close());
  (store as unknown as { watcher?: { close(): void } }).watcher?.close(); // simulate a filesystem without events
  const reloaded = once(store, 'reload');
  await revokeToken(file, 'a');
  await reloaded;
  assert.equal(store.size, 0);
});

test('an invalid file at start-up is an error; a missing one holds no tokens', async (t) => {
  const file = await tempFile(t);
  const empty = await TokenStore.open(file, { logger: silentLogger });
  empty.close();
  assert.equal(empty.size, 0);
  await writeFile(file, JSON.stringify({ version: 1, tokens: [{ id: 'x', name: 'a', hash: 'md5:1', scopes: ['pull:**'], created: '2020-01-01', expires: null }] }));
  await assert.rejects(TokenStore.open(file, { logger: silentLogger }), TokensFileError);
  assert.throws(() => parseTokensFile(JSON.stringify({ version: 1, tokens: [] , extra: 1 })), TokensFileError);
});
