import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsAtOrAbove, meetsThreshold, scoreOf } from './severity-threshold.js';
import { SAMPLE_REPORT } from './test-reports.js';

describe('--fail-on thresholds', () => {
  const ids = (threshold: Parameters<typeof findingsAtOrAbove>[1], unknownAs?: Parameters<typeof findingsAtOrAbove>[2]) =>
    findingsAtOrAbove([SAMPLE_REPORT], threshold, unknownAs).map((f) => `${f.severity}:${f.id}`);

  it('counts findings at or above the threshold', () => {
    assert.deepEqual(ids('critical'), ['critical:CVE-2021-3711']);
    assert.equal(ids('high').length, 3);
    assert.equal(ids('low').length, 7);
  });

  it('ranks a finding without severity as policy.unknownSeverity (default medium)', () => {
    assert.ok(ids('medium').includes('unknown:ALPINE-CVE-2099-0001'));
    assert.ok(!ids('high').includes('unknown:ALPINE-CVE-2099-0001'));
    assert.ok(ids('high', 'high').includes('unknown:ALPINE-CVE-2099-0001'));
    assert.ok(!ids('medium', 'low').includes('unknown:ALPINE-CVE-2099-0001'));
  });

  it('"unknown" fails on any finding, "none" on none', () => {
    assert.equal(ids('unknown').length, 7);
    assert.equal(ids('none').length, 0);
    assert.equal(meetsThreshold({ severity: 'low' }, 'unknown'), true);
  });

  it('scores: CVSS when known, else the middle of the severity band', () => {
    assert.equal(scoreOf({ severity: 'high', cvss: { version: '3.1', vector: '', score: 7.5 } }), 7.5);
    assert.equal(scoreOf({ severity: 'critical' }), 9.5);
    assert.equal(scoreOf({ severity: 'unknown' }), 5.5);
    assert.equal(scoreOf({ severity: 'unknown' }, 'low'), 2.0);
  });
});
