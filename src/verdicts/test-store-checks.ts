/** Checks every verdict store backend must pass (used by the memory/sqlite unit tests and the Redis integration test). */
import assert from 'node:assert/strict';
import type { VerdictStore } from './verdict-store.js';
import type { Verdict } from './types.js';
import type { Report } from '../scan/types.js';

export const sampleDigest = `sha256:${'b'.repeat(64)}`;

export function sampleVerdict(over: Partial<Verdict> = {}): Verdict {
  return {
    digest: sampleDigest, repository: 'library/alpine', decision: 'deny', mode: 'enforce', reasons: [], summary: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 },
    signature: { verified: false, skipped: true }, policyHash: 'p1', dbVersion: 'db1', decidedAt: '2026-01-01T00:00:00Z', reportUrl: 'http://x/api/v1/reports/' + sampleDigest, ...over,
  };
}

function sampleReport(dbVersion: string): Report {
  return { target: 't', digest: sampleDigest, packages: [], vulnerabilities: [], dbVersion, scannedAt: '2026-01-01T00:00:00Z', scanner: { version: 's1' } };
}

export async function exerciseVerdictStore(store: VerdictStore): Promise<void> {
  const key = { digest: sampleDigest, policyHash: 'p1', dbVersion: 'db1', scannerVersion: 's1' };
  assert.equal(await store.getVerdict(key), undefined);
  await store.putVerdict(key, sampleVerdict());
  assert.equal((await store.getVerdict(key))?.decision, 'deny');
  assert.equal(await store.getVerdict({ ...key, policyHash: 'p2' }), undefined, 'another policy is another key');
  assert.equal((await store.getLatestVerdict(sampleDigest))?.policyHash, 'p1');
  await store.putLatestVerdict(sampleVerdict({ decision: 'allow', error: 'db down' }));
  assert.equal((await store.getLatestVerdict(sampleDigest))?.error, 'db down');
  assert.equal((await store.getVerdict(key))?.decision, 'deny', 'the keyed verdict is untouched');

  await store.putReport({ digest: sampleDigest, dbVersion: 'db1', scannerVersion: 's1' }, sampleReport('db1'));
  await store.putReport({ digest: sampleDigest, dbVersion: 'db2', scannerVersion: 's1' }, sampleReport('db2'));
  assert.equal((await store.getReport({ digest: sampleDigest, dbVersion: 'db1', scannerVersion: 's1' }))?.dbVersion, 'db1');
  assert.equal((await store.getLatestReport(sampleDigest))?.dbVersion, 'db2');

  await store.addBlobRefs('hub/library/alpine', 'sha256:m1', ['sha256:l1', 'sha256:c1']);
  await store.addBlobRefs('hub/library/alpine', 'sha256:m2', ['sha256:l1']);
  await store.addBlobRefs('hub/library/alpine', 'sha256:m2', ['sha256:l1']);
  assert.deepEqual(await store.getBlobRefs('hub/library/alpine', 'sha256:l1'), ['sha256:m2', 'sha256:m1']);
  assert.deepEqual(await store.getBlobRefs('hub/other', 'sha256:l1'), []);

  await store.recordPulls([
    { upstream: 'hub', repository: 'library/alpine', digest: 'sha256:m1', tag: '3.11', lastPulledAt: '2026-01-01T00:00:01.000Z' },
    { upstream: 'hub', repository: 'library/debian', digest: 'sha256:m3', lastPulledAt: '2026-01-01T00:00:02.000Z' },
  ]);
  await store.recordPulls([{ upstream: 'hub', repository: 'library/alpine', digest: 'sha256:m1', lastPulledAt: '2026-01-01T00:00:03.000Z' }]);
  const pulls = await store.recentPulls(10);
  assert.deepEqual(pulls.map((p) => [p.repository, p.tag, p.lastPulledAt]), [
    ['library/alpine', '3.11', '2026-01-01T00:00:03.000Z'],
    ['library/debian', undefined, '2026-01-01T00:00:02.000Z'],
  ]);
  assert.equal((await store.recentPulls(1)).length, 1);
  const lock = await store.tryLock('scan:x', 5_000);
  assert.ok(lock);
  await lock.release();
  await store.ping();
}

