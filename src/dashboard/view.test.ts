import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GateEvents } from '../gate/gate-events.js';
import type { Verdict } from '../verdicts/types.js';
import { NewlyDeniedLog } from './gate-source.js';
import type { PullEntry, PullVerdict } from './types.js';
import { age, groupPulls, matches, normaliseQuery, refreshSeconds, shortDigest } from './view.js';

const SUMMARY = { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 };
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function pull(repository: string, d: string, at: string, verdict: Partial<PullVerdict> | null): PullEntry {
  return {
    upstream: 'hub', repository, digest: d, lastPulledAt: at,
    verdict: verdict && { decision: 'allow', mode: 'enforce', summary: SUMMARY, decidedAt: at, reportUrl: `/api/v1/reports/${d}`, reasons: 0, ...verdict },
  };
}

test('denied first, then audit-mode would-be denials, then pending and allowed; newest first within each', () => {
  const pulls = [
    pull('a/allowed', digest('1'), '2026-01-05T00:00:00Z', {}),
    pull('a/audit', digest('2'), '2026-01-04T00:00:00Z', { mode: 'audit', wouldDeny: true }),
    pull('a/denied-old', digest('3'), '2026-01-01T00:00:00Z', { decision: 'deny' }),
    pull('a/pending', digest('4'), '2026-01-03T00:00:00Z', null),
    pull('a/denied-new', digest('5'), '2026-01-02T00:00:00Z', { decision: 'deny' }),
  ];
  const g = groupPulls(pulls, '');
  assert.deepEqual(g.blocked.map((p) => p.repository), ['a/denied-new', 'a/denied-old', 'a/audit']);
  assert.deepEqual(g.others.map((p) => p.repository), ['a/pending', 'a/allowed']);
  assert.deepEqual(g.counts, { denied: 2, 'would-deny': 1, pending: 1, allowed: 1 });
  assert.equal(g.total, 5);
  const found = groupPulls(pulls, 'DENIED');
  assert.deepEqual([...found.blocked, ...found.others].map((p) => p.repository), ['a/denied-new', 'a/denied-old']);
  assert.equal(found.total, 5);
});

test('search matches upstream/repository:tag or the digest, case-insensitively', () => {
  const p = { upstream: 'hub', repository: 'library/alpine', tag: '3.19', digest: digest('ab') };
  for (const q of ['', 'alpine', 'LIBRARY/', 'hub/library', 'alpine:3.19', 'abab', `sha256:${'ab'.repeat(10)}`, p.digest]) assert.ok(matches(p, q), q);
  for (const q of ['debian', 'alpine:3.18', 'sha512:ab']) assert.ok(!matches(p, q), q);
  assert.equal(normaliseQuery(['  x  ', 'y']), 'x');
  assert.equal(normaliseQuery(undefined), '');
  assert.equal(normaliseQuery('z'.repeat(500)).length, 200);
});

test('ages, short digests and the refresh bounds', () => {
  const now = new Date('2026-01-10T12:00:00Z');
  assert.equal(age('2026-01-10T11:59:30Z', now), 'just now');
  assert.equal(age('2026-01-10T11:55:00Z', now), '5 min ago');
  assert.equal(age('2026-01-10T09:00:00Z', now), '3 h ago');
  assert.equal(age('2026-01-09T12:00:00Z', now), '1 day ago');
  assert.equal(age('2026-01-01T12:00:00Z', now), '9 days ago');
  assert.equal(age('not a time', now), '');
  assert.equal(shortDigest(digest('a')), `sha256:${'a'.repeat(12)}…`);
  assert.equal(shortDigest('sha256:abc'), 'sha256:abc');
  assert.equal(refreshSeconds('30'), 30);
  assert.equal(refreshSeconds('2'), 10);
  assert.equal(refreshSeconds('99999'), 3600);
  for (const bad of [undefined, '', '0', '-5', '1.5', 'x']) assert.equal(refreshSeconds(bad), undefined, String(bad));
});

function verdict(d: string, decision: Verdict['decision'], dbVersion: string): Verdict {
  return {
    digest: d, repository: 'library/x', decision, mode: 'enforce', reasons: [], summary: SUMMARY, signature: { verified: false },
    policyHash: 'p', dbVersion, decidedAt: '2026-01-01T00:00:00Z', reportUrl: '', upstream: 'hub',
  };
}

test('newly denied: listed newest first from the gate events, dropped when a later verdict allows it', () => {
  const events = new GateEvents();
  const log = new NewlyDeniedLog(events);
  events.safeEmit('image.newly_denied', verdict(digest('1'), 'deny', 'v2'), verdict(digest('1'), 'allow', 'v1'));
  events.safeEmit('image.newly_denied', verdict(digest('2'), 'deny', 'v2'), verdict(digest('2'), 'allow', 'v1'));
  assert.deepEqual(log.list().map((n) => [n.digest, n.previousDbVersion, n.dbVersion]), [[digest('2'), 'v1', 'v2'], [digest('1'), 'v1', 'v2']]);
  events.safeEmit('verdict', verdict(digest('1'), 'deny', 'v3'));
  assert.equal(log.list().length, 2, 'still denied');
  events.safeEmit('verdict', verdict(digest('1'), 'allow', 'v3'));
  assert.deepEqual(log.list().map((n) => n.digest), [digest('2')]);
  log.close();
  events.safeEmit('image.newly_denied', verdict(digest('3'), 'deny', 'v2'), verdict(digest('3'), 'allow', 'v1'));
  assert.equal(log.list().length, 1, 'unsubscribed on close');
  assert.equal(events.listenerCount('verdict'), 0);
});
