import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denialMessage, refusal, scanPending } from './denial.js';
import type { Verdict } from '../verdicts/types.js';

const digest = `sha256:${'c'.repeat(64)}`;
const base: Verdict = {
  digest, repository: 'library/alpine', decision: 'deny', mode: 'enforce', reasons: [], summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
  signature: { verified: false, skipped: true }, policyHash: 'p', dbVersion: 'd', decidedAt: 't', reportUrl: 'u',
};
const v = (id: string, severity: 'critical' | 'high' | 'unknown', fixedVersion?: string) =>
  ({ kind: 'vulnerability' as const, id, severity, package: 'libssl1.1', version: '1.1.1d-r0', ...(fixedVersion ? { fixedVersion } : {}) });

test('one actionable line: counts, first findings with fixes, more, report link', () => {
  const msg = denialMessage({ ...base, reasons: [v('CVE-1', 'critical', '1.1.1k-r0'), v('CVE-2', 'high', '1.1.1k-r0'), v('CVE-3', 'high'), v('CVE-4', 'unknown', '2')] }, 'http://gw/api/v1/reports/x');
  assert.equal(msg, 'denied by policy: 1 critical, 2 high, 1 unrated (CVE-1 in libssl1.1 1.1.1d-r0, fixed in 1.1.1k-r0; CVE-2 in libssl1.1 1.1.1d-r0, fixed in 1.1.1k-r0; CVE-3 in libssl1.1 1.1.1d-r0, no fix yet; and 1 more) — report: http://gw/api/v1/reports/x');
  assert.ok(!msg.includes('\n'));
});

test('one advisory in several packages is one entry', () => {
  const msg = denialMessage({ ...base, reasons: [v('CVE-1', 'high', '2'), { ...v('CVE-1', 'high', '2'), package: 'libcrypto1.1' }] }, 'http://r');
  assert.equal(msg, 'denied by policy: 1 high (CVE-1 in libssl1.1 and libcrypto1.1 1.1.1d-r0, fixed in 2) — report: http://r');
});

test('signature reasons and long lists stay on one bounded line', () => {
  const msg = denialMessage({ ...base, reasons: [{ kind: 'signature', message: 'no signature from a trusted key or identity: no signature found\nfor x' }] }, 'http://r');
  assert.equal(msg, 'denied by policy: no signature from a trusted key or identity: no signature found for x — report: http://r');
  const many = denialMessage({ ...base, reasons: Array.from({ length: 500 }, (_, i) => ({ kind: 'signature' as const, message: `problem ${i}` })) }, 'http://r');
  assert.ok(many.length <= 900 && many.endsWith(' — report: http://r'));
});

test('policy denials are 403 DENIED with the verdict; failed decisions are 503 with Retry-After', () => {
  const denied = refusal({ ...base, reasons: [v('CVE-1', 'high', '2')] }, 'http://r', 30);
  assert.equal(denied.status, 403);
  assert.equal(denied.code, 'DENIED');
  assert.equal((denied.detail as Verdict).digest, digest);
  const failed = refusal({ ...base, error: 'vulnerability database unavailable' }, 'http://gw/api/v1/reports/x', 30);
  assert.equal(failed.status, 503);
  assert.equal(failed.headers['Retry-After'], '30');
  assert.match(failed.message, /vulnerability database unavailable; policy.onError is deny/);
  const pending = scanPending(digest, 2000, 10);
  assert.equal(pending.status, 503);
  assert.match(pending.message, /still running/);
});
