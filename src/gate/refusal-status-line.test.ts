import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reasonPhrase } from './refusal-status-line.js';

test('the reason phrase is ASCII, bounded, and keeps the report link', () => {
  const link = ' — report: http://gw:5000/api/v1/reports/sha256:abc';
  assert.equal(reasonPhrase(403, `denied by policy: 1 high (CVE-1 in a 1, fixed in 2)${link}`),
    'Forbidden: denied by policy: 1 high (CVE-1 in a 1, fixed in 2) - report: http://gw:5000/api/v1/reports/sha256:abc');
  const long = reasonPhrase(403, `denied by policy: ${'x'.repeat(2000)}…${link}`);
  assert.ok(long.length <= 600);
  assert.ok(long.endsWith('... - report: http://gw:5000/api/v1/reports/sha256:abc'));
  assert.match(reasonPhrase(503, 'scan running'), /^Service Unavailable: scan running$/);
  assert.doesNotMatch(reasonPhrase(403, 'ünïcode\r\n'), /[^\x20-\x7e]/);
});
