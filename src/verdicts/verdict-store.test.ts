import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../log.js';
import { openVerdictBackend } from './open-backend.js';
import { mergePulls } from './recent-pulls.js';
import { VerdictStore } from './verdict-store.js';
import { exerciseVerdictStore as exercise, sampleDigest as digest } from './test-store-checks.js';

test('memory:// store', async () => {
  const store = new VerdictStore(await openVerdictBackend('memory://', silentLogger));
  await exercise(store);
  await store.close();
});

test('sqlite:// store survives a reopen', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'verdicts-'));
  try {
    const url = `sqlite://${path.join(dir, 'sub', 'verdicts.sqlite')}`;
    const store = new VerdictStore(await openVerdictBackend(url, silentLogger));
    await exercise(store);
    await store.close();
    const again = new VerdictStore(await openVerdictBackend(url, silentLogger));
    assert.equal((await again.getVerdict({ digest, policyHash: 'p1', dbVersion: 'db1', scannerVersion: 's1' }))?.decision, 'deny');
    assert.equal((await again.recentPulls(10)).length, 2);
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('recent pulls are bounded, newest first, and keep a known tag', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const list = mergePulls([], Array.from({ length: 5 }, (_, i) => ({ upstream: 'u', repository: 'r', digest: `d${i}`, lastPulledAt: at(i) })), 3);
  assert.deepEqual(list.map((p) => p.digest), ['d4', 'd3', 'd2']);
  const merged = mergePulls([{ upstream: 'u', repository: 'r', digest: 'd', tag: 't', lastPulledAt: at(1) }], [{ upstream: 'u', repository: 'r', digest: 'd', lastPulledAt: at(2) }], 3);
  assert.equal(merged[0]!.tag, 't');
});

