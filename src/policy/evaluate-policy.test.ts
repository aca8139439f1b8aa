import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectivePolicy } from './effective-policy.js';
import { allowEntryExpiresAt, displayId, evaluatePolicy } from './evaluate-policy.js';
import { finding, policyConfig, report } from './test-helpers.js';

const now = new Date('2026-06-01T12:00:00Z');
const repo = { repository: 'library/alpine', upstream: 'hub' };
const decide = (policy: Record<string, unknown>, vulns = [finding({ id: 'ALPINE-CVE-2019-1551', aliases: ['CVE-2019-1551'] })], extra: Record<string, unknown> = {}) =>
  evaluatePolicy({ ...repo, report: report(vulns), now, ...extra }, effectivePolicy(policyConfig(policy), repo));

test('a finding at or above blockSeverity denies; below it allows', () => {
  const d = decide({ blockSeverity: 'high' });
  assert.equal(d.decision, 'deny');
  assert.deepEqual(d.reasons, [{ kind: 'vulnerability', id: 'CVE-2019-1551', aliases: ['ALPINE-CVE-2019-1551'], severity: 'high', package: 'libssl1.1', version: '1.1.1d-r0', fixedVersion: '1.1.1d-r3' }]);
  assert.equal(d.summary.high, 1);
  assert.equal(decide({ blockSeverity: 'critical' }).decision, 'allow');
  assert.equal(decide({ blockSeverity: 'none' }).decision, 'allow');
  assert.equal(decide({ blockSeverity: 'low' }).decision, 'deny');
});

test('unknownSeverity ranks findings without a severity', () => {
  const v = [finding({ id: 'ALPINE-CVE-2019-1547', aliases: ['CVE-2019-1547'], severity: 'unknown' })];
  assert.equal(decide({ blockSeverity: 'high', unknownSeverity: 'medium' }, v).decision, 'allow');
  const d = decide({ blockSeverity: 'high', unknownSeverity: 'critical' }, v);
  assert.equal(d.decision, 'deny');
  assert.equal(d.summary.unknown, 1);
  assert.equal(d.reasons[0]!.kind === 'vulnerability' && d.reasons[0]!.severity, 'unknown', 'the reason keeps the finding severity');
});

test('ignoreUnfixed skips findings without a fixed version', () => {
  const v = [finding({ id: 'CVE-2020-1', fixedVersion: undefined })];
  assert.equal(decide({}, v).decision, 'deny');
  assert.equal(decide({ ignoreUnfixed: true }, v).decision, 'allow');
});

test('allowlist by id or alias, scoped by repository globs', () => {
  assert.equal(decide({ allowlist: [{ id: 'CVE-2019-1551' }] }).decision, 'allow', 'alias');
  assert.equal(decide({ allowlist: [{ id: 'alpine-cve-2019-1551' }] }).decision, 'allow', 'own id, any case');
  const d = decide({ allowlist: [{ id: 'CVE-2019-1551', repositories: ['library/*'], reason: 'not reachable', expires: '2027-01-31' }] });
  assert.equal(d.decision, 'allow');
  assert.deepEqual(d.allowlisted, [{ id: 'CVE-2019-1551', reason: 'not reachable', expires: '2027-01-31' }]);
  assert.equal(d.validUntil, '2027-02-01T00:00:00.000Z', 'the decision must be taken again when the entry expires');
  assert.equal(decide({ allowlist: [{ id: 'CVE-2019-1551', repositories: ['internal/*'] }] }).decision, 'deny');
  assert.equal(decide({ allowlist: [{ id: 'CVE-2019-1551', repositories: ['hub/library/*'] }] }).decision, 'allow', 'qualified glob');
});

test('an expired allowlist entry stops applying and the verdict says so', () => {
  const d = decide({ allowlist: [{ id: 'CVE-2019-1551', expires: '2026-05-31', reason: 'temporary' }] });
  assert.equal(d.decision, 'deny');
  assert.deepEqual(d.allowlisted, [{ id: 'CVE-2019-1551', reason: 'temporary', expires: '2026-05-31', expired: true }]);
  assert.equal(d.reasons[0]!.kind === 'vulnerability' && d.reasons[0]!.allowlistExpired, '2026-05-31');
  assert.equal(decide({ allowlist: [{ id: 'CVE-2019-1551', expires: '2026-06-01' }] }).decision, 'allow', 'valid through its last day');
  assert.equal(allowEntryExpiresAt({ expires: '2026-06-01T10:00:00Z' }), Date.parse('2026-06-01T10:00:00Z'));
  assert.equal(decide({ allowlist: [{ id: 'CVE-2019-1551', expires: '2026-06-01T10:00:00Z' }] }).decision, 'deny');
});

test('audit mode allows and records the would-be denial', () => {
  const d = decide({ mode: 'audit' });
  assert.equal(d.decision, 'allow');
  assert.equal(d.wouldDeny, true);
  assert.equal(d.reasons.length, 1);
  const clean = decide({ mode: 'audit' }, []);
  assert.equal(clean.wouldDeny, false);
  assert.equal(decide({}).wouldDeny, undefined);
});

test('onError decides when the scan failed; the error is recorded either way', () => {
  const deny = decide({ onError: 'deny' }, [], { error: 'vulnerability database unavailable' });
  assert.equal(deny.decision, 'deny');
  assert.deepEqual(deny.reasons, [{ kind: 'error', message: 'vulnerability database unavailable' }]);
  const allow = decide({ onError: 'allow' }, [], { error: 'vulnerability database unavailable' });
  assert.equal(allow.decision, 'allow');
  assert.equal(allow.error, 'vulnerability database unavailable');
  const audit = decide({ onError: 'deny', mode: 'audit' }, [], { error: 'boom' });
  assert.equal(audit.decision, 'allow');
  assert.equal(audit.wouldDeny, true);
  const missing = evaluatePolicy({ ...repo, now }, effectivePolicy(policyConfig({}), repo));
  assert.equal(missing.decision, 'deny', 'no report is an error, never an allow');
});

test('requireSignature and requiredAttestations', () => {
  const signed = { verified: true, signer: { key: 'release' }, format: 'bundle' as const, attestations: ['https://slsa.dev/provenance/v1'] };
  assert.equal(decide({ requireSignature: true }, [], { signature: signed }).decision, 'allow');
  const unsigned = decide({ requireSignature: true }, [], { signature: { verified: false, errors: ['no signature found for sha256:abc'] } });
  assert.equal(unsigned.decision, 'deny');
  assert.equal(unsigned.reasons[0]!.kind, 'signature');
  assert.match((unsigned.reasons[0] as { message: string }).message, /no signature found/);
  assert.equal(decide({ requireSignature: true }, [], { signature: { verified: false, skipped: true } }).decision, 'deny');
  assert.equal(decide({ requiredAttestations: ['https://slsa.dev/provenance/v1'] }, [], { signature: signed }).decision, 'allow');
  const missing = decide({ requiredAttestations: ['https://spdx.dev/Document'] }, [], { signature: signed });
  assert.deepEqual(missing.reasons, [{ kind: 'attestation', predicateType: 'https://spdx.dev/Document', message: 'no verified attestation of type https://spdx.dev/Document' }]);
  assert.equal(decide({ rules: [{ repositories: ['library/*'], requireSignature: true }] }, []).decision, 'deny', 'per rule');
});

test('reasons are ordered by severity, CVE ids preferred for display', () => {
  const d = decide({ blockSeverity: 'low' }, [
    finding({ id: 'GHSA-low', severity: 'low' }),
    finding({ id: 'DEBIAN-CVE-2021-3449', aliases: ['CVE-2021-3449'], severity: 'critical' }),
  ]);
  assert.deepEqual(d.reasons.map((r) => r.kind === 'vulnerability' && r.id), ['CVE-2021-3449', 'GHSA-low']);
  assert.equal(displayId({ id: 'GHSA-x', aliases: [] }), 'GHSA-x');
});
