import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toSarif } from './format-sarif.js';
import { sarifProblems } from './report-shape-checks.js';
import { CLEAN_REPORT, SAMPLE_REPORT } from './test-reports.js';

describe('SARIF 2.1.0 format', () => {
  const log = toSarif([SAMPLE_REPORT]);
  const run = log.runs[0]!;

  it('is well-formed SARIF 2.1.0 (required fields, enums, rule references)', () => {
    assert.deepEqual(sarifProblems(log), []);
    assert.deepEqual(sarifProblems(toSarif([SAMPLE_REPORT, CLEAN_REPORT])), []);
  });

  it('the shape checks catch what code scanning rejects', () => {
    const broken = structuredClone(log) as unknown as { version: string; runs: { results: { ruleId: string; locations: unknown[] }[] }[] };
    broken.version = '2.0.0';
    broken.runs[0]!.results[0]!.ruleId = 'NOPE';
    broken.runs[0]!.results[1]!.locations = [];
    assert.equal(sarifProblems(broken).length, 4);
  });

  it('has one rule per vulnerability id', () => {
    assert.deepEqual(run.tool.driver.rules.map((r) => r.id), ['ALPINE-CVE-2099-0001', 'CVE-2019-14697', 'CVE-2021-3449', 'CVE-2021-3711', 'GHSA-p6mc-m468-83gw']);
    assert.equal(run.results.length, 7);
  });

  it('maps severity to level and security-severity (CVSS score when known)', () => {
    const rule = (id: string) => run.tool.driver.rules.find((r) => r.id === id)!;
    assert.equal(rule('CVE-2021-3711').properties['security-severity'], '9.8');
    assert.equal(rule('CVE-2021-3711').defaultConfiguration.level, 'error');
    assert.equal(rule('CVE-2021-3449').properties['security-severity'], '5.9');
    assert.equal(rule('CVE-2021-3449').defaultConfiguration.level, 'warning');
    assert.equal(rule('GHSA-p6mc-m468-83gw').properties['security-severity'], '8.2');
    assert.equal(rule('CVE-2019-14697').properties['security-severity'], '2.0');
    assert.equal(rule('CVE-2019-14697').defaultConfiguration.level, 'note');
    assert.equal(rule('ALPINE-CVE-2099-0001').properties['security-severity'], '5.5');
    assert.equal(rule('ALPINE-CVE-2099-0001').properties.severity, 'unknown');
    const asHigh = toSarif([SAMPLE_REPORT], { unknownSeverity: 'high' }).runs[0]!.tool.driver.rules.find((r) => r.id === 'ALPINE-CVE-2099-0001')!;
    assert.equal(asHigh.properties['security-severity'], '8.0');
    assert.equal(asHigh.defaultConfiguration.level, 'error');
  });

  it("locates each result at the package's file", () => {
    const lodash = run.results.filter((r) => r.ruleId === 'GHSA-p6mc-m468-83gw').map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri);
    assert.deepEqual(lodash, ['app/node_modules/lodash/package.json', 'app/node_modules/other/node_modules/lodash/package.json']);
    const fingerprints = new Set(run.results.map((r) => r.partialFingerprints['portcullis/finding/v1']));
    assert.equal(fingerprints.size, run.results.length);
  });
});
