import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { OsvRecord } from '../vulndb/osv-record.js';
import { rateRecord, scoreVector } from './severity.js';

const npmRecord = (id: string): OsvRecord =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../test/fixtures/osv/npm/${id}.json`, import.meta.url)), 'utf8')) as OsvRecord;
const bare = (fields: Partial<OsvRecord>): OsvRecord => ({ id: 'OSV-TEST-1', modified: '2024-01-01T00:00:00Z', ...fields });

describe('scoreVector', () => {
  it('computes CVSS base scores (v3.1, v3.0, v4.0, v2)', () => {
    // AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H: impact 6.42·(1−0.44³)=5.873, exploitability 8.22·0.85·0.77·0.85·0.85=3.887 → roundup(9.76)=9.8
    assert.deepEqual(scoreVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), {
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      score: 9.8,
    });
    // C:N/I:H/A:H with AC:H: impact 6.42·(1−0.44²)=5.177, exploitability 8.22·0.85·0.44·0.85·0.85=2.221 → 7.4
    assert.equal(scoreVector('CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H')?.score, 7.4);
    // FIRST's CVSS 4.0 calculator: this vector is 9.3; a threat metric does not lower the base score
    assert.equal(scoreVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')?.score, 9.3);
    assert.equal(scoreVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U')?.score, 9.3);
    assert.equal(scoreVector('AV:N/AC:L/Au:N/C:P/I:P/A:P')?.score, 7.5);
    assert.equal(scoreVector('CVSS:3.1/AV:N/AC:L'), undefined);
    assert.equal(scoreVector('garbage'), undefined);
  });
});

describe('rateRecord', () => {
  it('rates by CVSS first: GHSA-p6mc-m468-83gw (lodash, 7.4) is high', () => {
    const r = rateRecord(npmRecord('GHSA-p6mc-m468-83gw'), []);
    assert.equal(r.severity, 'high');
    assert.equal(r.cvss?.score, 7.4);
  });

  it('takes the highest of several vectors: GHSA-qw6h-vgh9-j6wx (express, v3 5.0 and a v4 vector)', () => {
    const r = rateRecord(npmRecord('GHSA-qw6h-vgh9-j6wx'), []);
    assert.equal(r.severity, 'medium');
    assert.deepEqual(r.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L', score: 5 });
  });

  it("falls back to GHSA's database_specific.severity: GHSA-8hc4-vh64-cxmj (Axios) is HIGH", () => {
    assert.deepEqual(rateRecord(npmRecord('GHSA-8hc4-vh64-cxmj'), []), { severity: 'high' });
    assert.deepEqual(rateRecord(bare({ database_specific: { severity: 'MODERATE' } }), []), { severity: 'medium' });
  });

  it('uses affected[].severity of the matching package', () => {
    const record = bare({
      affected: [{ package: { ecosystem: 'npm', name: 'x' }, severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] }],
    });
    assert.equal(rateRecord(record, record.affected!).severity, 'critical');
  });

  it('buckets: 0.0 is low; v2 and Ubuntu priorities are last resorts; nothing → unknown', () => {
    assert.equal(rateRecord(bare({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N' }] }), []).severity, 'low');
    assert.equal(rateRecord(bare({ severity: [{ type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:C/I:C/A:C' }] }), []).severity, 'high');
    assert.equal(rateRecord(bare({ severity: [{ type: 'Ubuntu', score: 'negligible' }] }), []).severity, 'low');
    assert.deepEqual(rateRecord(bare({}), []), { severity: 'unknown' });
  });
});
