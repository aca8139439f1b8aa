import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTable, renderTables } from './format-table.js';
import { CLEAN_REPORT, SAMPLE_REPORT } from './test-reports.js';

const ANSI = /\x1b\[[0-9;]*m/;

describe('table format', () => {
  const text = renderTable(SAMPLE_REPORT, { width: 80 });
  const lines = text.trimEnd().split('\n');

  it('fits an 80-column terminal', () => {
    for (const line of lines) assert.ok([...line].length <= 80, `too long (${[...line].length}): ${line}`);
  });

  it('groups findings by severity, highest first, with counts', () => {
    const headings = lines.filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN) \(\d+\)$/.test(l));
    assert.deepEqual(headings, ['CRITICAL (1)', 'HIGH (2)', 'MEDIUM (2)', 'LOW (1)', 'UNKNOWN (1)']);
  });

  it('shows package (advisory package), installed, fixed, id and, on 80 columns, the title under the row', () => {
    const at = lines.findIndex((l) => l.includes('CVE-2021-3711'));
    assert.match(lines[at]!, /^ {2}libssl1\.1 \(openssl\)\s+1\.1\.1d-r2\s+1\.1\.1l-r0\s+CVE-2021-3711$/);
    assert.equal(lines[at + 1], '    SM2 decryption buffer overflow');
    const unfixed = lines.find((l) => l.includes('ALPINE-CVE-2099-0001'));
    assert.match(unfixed!, /musl\s+1\.1\.22-r3\s+-\s+ALPINE-CVE-2099-0001/);
  });

  it('puts the title in its own column when the terminal is wide enough', () => {
    const wide = renderTable(SAMPLE_REPORT, { width: 120 }).split('\n');
    assert.ok(wide.some((l) => /^ {2}PACKAGE\s+INSTALLED\s+FIXED\s+ID\s+TITLE$/.test(l)));
    assert.ok(wide.some((l) => /^ {2}libssl1\.1 \(openssl\)\s+1\.1\.1d-r2\s+1\.1\.1l-r0\s+CVE-2021-3711\s+SM2 decryption buffer overflow$/.test(l)));
  });

  it('shows a package found at several paths once, with a count', () => {
    assert.equal(lines.filter((l) => l.includes('GHSA-p6mc-m468-83gw')).length, 1);
    assert.match(lines.find((l) => l.includes('GHSA-p6mc-m468-83gw'))!, /^ {2}lodash ×2 /);
  });

  it('cuts long titles with an ellipsis', () => {
    const row = lines.find((l) => l.includes('Prototype Pollution in lodash, a very'));
    assert.ok(row?.endsWith('…'), row);
  });

  it('ends with a summary line and the warnings', () => {
    assert.ok(lines.includes('7 vulnerabilities: 1 critical, 2 high, 2 medium, 1 low, 1 unknown (5 packages).'), text);
    assert.ok(lines.includes('1 warning:'));
  });

  it('colours only when asked', () => {
    assert.doesNotMatch(text, ANSI);
    const coloured = renderTable(SAMPLE_REPORT, { width: 80, color: true });
    assert.match(coloured, /\x1b\[1;31mCRITICAL \(1\)\x1b\[0m/);
  });

  it('uses a wider terminal for longer titles, and says when nothing was found', () => {
    const wide = renderTable(SAMPLE_REPORT, { width: 200 });
    assert.ok(wide.includes('cannot possibly fit on one line of an eighty column terminal'));
    assert.match(renderTable(CLEAN_REPORT), /^No vulnerabilities found \(5 packages\)\.$/m);
  });

  it('renders one section per platform', () => {
    const both = renderTables([SAMPLE_REPORT, CLEAN_REPORT]);
    assert.match(both, /linux\/amd64[\s\S]+─{10,}\n[\s\S]*linux\/arm64/);
  });
});
