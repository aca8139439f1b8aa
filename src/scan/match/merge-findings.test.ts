import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { OsvRecord } from '../vulndb/osv-record.js';
import { idPreference, mergeHits, type RecordHit } from './merge-findings.js';
import { semverComparer } from './semver-order.js';

const hit = (record: Partial<OsvRecord> & { id: string }, extra: Partial<RecordHit> = {}): RecordHit => ({
  record: { modified: '2024-01-01T00:00:00Z', ...record },
  advisoryPackage: 'requests',
  rating: { severity: 'unknown' },
  ...extra,
});

describe('mergeHits', () => {
  it('merges PYSEC + GHSA + CVE records of one vulnerability; the CVE id leads', () => {
    const merged = mergeHits(
      [
        hit({ id: 'PYSEC-2023-74', aliases: ['GHSA-j8r2-6x86-q33q'], summary: 'from PYSEC' }, { fixed: '2.31.0', rating: { severity: 'medium' } }),
        hit({ id: 'GHSA-j8r2-6x86-q33q', aliases: ['CVE-2023-32681'] }, { fixed: '2.31.0', rating: { severity: 'high', cvss: { version: '3.1', vector: 'v', score: 7.1 } } }),
        hit({ id: 'CVE-2023-32681' }),
      ],
      semverComparer,
    );
    assert.equal(merged.length, 1);
    assert.deepEqual(merged[0], {
      id: 'CVE-2023-32681',
      aliases: ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'],
      advisoryPackage: 'requests',
      fixed: '2.31.0',
      rating: { severity: 'high', cvss: { version: '3.1', vector: 'v', score: 7.1 } },
      summary: 'from PYSEC',
    });
  });

  it('merges a distribution record with its upstream CVE', () => {
    const [m] = mergeHits([hit({ id: 'DEBIAN-CVE-2023-1', upstream: ['CVE-2023-1'] })], undefined);
    assert.deepEqual([m!.id, m!.aliases], ['CVE-2023-1', ['DEBIAN-CVE-2023-1']]);
  });

  it('keeps unrelated vulnerabilities apart and joins groups bridged by a later record', () => {
    const merged = mergeHits(
      [hit({ id: 'GHSA-aaaa-bbbb-cccc' }), hit({ id: 'GO-2024-0001', aliases: ['CVE-2024-1'] }), hit({ id: 'GO-2024-0002', aliases: ['GHSA-aaaa-bbbb-cccc', 'CVE-2024-1'] }), hit({ id: 'GO-2024-0003' })],
      undefined,
    );
    assert.deepEqual(
      merged.map((m) => [m.id, ...m.aliases]).sort(),
      [['CVE-2024-1', 'GHSA-aaaa-bbbb-cccc', 'GO-2024-0001', 'GO-2024-0002'], ['GO-2024-0003']],
    );
  });

  it('reports the highest of the records’ fixed versions, none when no record has one', () => {
    const [m] = mergeHits([hit({ id: 'A-1', aliases: ['CVE-1'] }, { fixed: '1.10.0' }), hit({ id: 'B-1', aliases: ['CVE-1'] }, { fixed: '1.9.0' })], semverComparer);
    assert.equal(m!.fixed, '1.10.0');
    const [n] = mergeHits([hit({ id: 'A-2' })], semverComparer);
    assert.equal(n!.fixed, undefined);
  });

  it('orders ids CVE, then GHSA, then the rest', () => {
    assert.deepEqual(['PYSEC-1', 'GHSA-x', 'CVE-2', 'CVE-1', 'ALPINE-CVE-1'].sort(idPreference), ['CVE-1', 'CVE-2', 'GHSA-x', 'ALPINE-CVE-1', 'PYSEC-1']);
  });
});
