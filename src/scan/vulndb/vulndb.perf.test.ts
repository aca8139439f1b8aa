/**
 * Measurements (printed as test diagnostics, `# …` lines):
 * - import throughput of the Go + PyPI fixture zips, open time, lookup time;
 * - with PORTCULLIS_VULNDB_PERF=<n> (e.g. 400000): the same on a synthetic
 *   database of about n records, cloned from every fixture record with new ids
 *   and package names — the size of the public OSV data for Debian, Alpine, npm,
 *   PyPI and Go. Slow (minutes, ~1 GB of temporary files): opt-in.
 * Bounds asserted are loose (a slow CI machine must not fail them); the figures are the point.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importSources } from './import.js';
import type { OsvRecord } from './osv-record.js';
import { openLocalSource } from './record-sources.js';
import { openVulnDb } from './vulndb.js';
import { DB_FILE_NAME } from './store-schema.js';
import Database from 'better-sqlite3';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/osv/', import.meta.url));
const ALL = ['Debian', 'Alpine-v3.10/all.zip', 'Alpine-v3.11/all.zip', 'PyPI/all.zip', 'Go/all.zip', 'npm'].map((s) => join(FIXTURES, s));
const work = mkdtempSync(join(tmpdir(), 'vulndb-perf-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Opens the database and times lookups: cold (each of up to 5,000 indexed
 * (ecosystem, name) keys once, plus the probes) and warm (the probes again, from the cache).
 */
function measureReads(t: TestContext, dir: string, probes: [string, string][]): { openMs: number; lookupUs: number } {
  const sample = new Database(join(dir, DB_FILE_NAME), { readonly: true });
  const keys = sample.prepare('SELECT DISTINCT ecosystem, name_key FROM package_index ORDER BY random() LIMIT 5000').raw().all() as [string, string][];
  sample.close();
  const started = performance.now();
  const db = openVulnDb(dir);
  const openMs = performance.now() - started;
  let found = 0;
  const cold = [...keys, ...probes];
  const begin = performance.now();
  for (const [eco, name] of cold) found += db.lookup(eco, name).length;
  const lookupUs = ((performance.now() - begin) * 1000) / cold.length;
  const warmBegin = performance.now();
  for (const [eco, name] of probes) db.lookup(eco, name);
  const warmUs = ((performance.now() - warmBegin) * 1000) / probes.length;
  const perProbe = probes.map(([eco, name]) => {
    const again = openVulnDb(dir);
    const t0 = performance.now();
    const n = again.lookup(eco, name).length;
    const us = (performance.now() - t0) * 1000;
    again.close();
    return `${eco}/${name} ${n} records ${us.toFixed(0)} µs`;
  });
  const mb = statSync(join(dir, DB_FILE_NAME)).size / 1e6;
  t.diagnostic(`open ${openMs.toFixed(1)} ms for ${db.status().records} records (${mb.toFixed(0)} MB file)`);
  t.diagnostic(`lookup cold ${lookupUs.toFixed(1)} µs average over ${cold.length} distinct keys (${found} records parsed); warm (cached) ${warmUs.toFixed(1)} µs`);
  t.diagnostic(`cold per probe: ${perProbe.join('; ')}`);
  db.close();
  return { openMs, lookupUs };
}

const PROBES: [string, string][] = [
  ['Debian:12', 'openssl'],
  ['Debian:12', 'curl'],
  ['Alpine:v3.11', 'openssl'],
  ['PyPI', 'Django'],
  ['npm', 'lodash'],
  ['Go', 'github.com/gin-gonic/gin'],
  ['Go', 'stdlib'],
  ['npm', 'no-such-package'],
  ['PyPI', 'no-such-package'],
];

describe('vulndb performance', () => {
  it('imports the Go + PyPI zips, opens and looks up fast', async (t) => {
    const dir = join(work, 'go-pypi');
    const result = await importSources(dir, [join(FIXTURES, 'Go/all.zip'), join(FIXTURES, 'PyPI/all.zip')]);
    const records = result.sources.reduce((n, s) => n + s.records, 0);
    const perSecond = Math.round(records / (result.durationMs / 1000));
    t.diagnostic(`import Go + PyPI: ${records} records in ${result.durationMs} ms = ${perSecond} records/s`);
    const { openMs, lookupUs } = measureReads(t, dir, PROBES);
    assert.ok(openMs < 2000);
    assert.ok(lookupUs < 5000);
  });

  const target = Number(process.env.PORTCULLIS_VULNDB_PERF ?? 0);
  it(`synthetic database of ~${target} records`, { skip: target > 0 ? false : 'set PORTCULLIS_VULNDB_PERF=<records> to run' }, async (t) => {
    const originals: OsvRecord[] = [];
    for (const path of ALL) {
      const source = openLocalSource(path);
      for (const item of source.items()) if ('value' in item) originals.push(item.value as OsvRecord);
      source.close();
    }
    const copies = Math.ceil(target / originals.length);
    const folder = join(work, 'synthetic-src');
    mkdirSync(folder, { recursive: true });
    for (let k = 0; k < copies; k++) {
      const batch = originals.map((r) => ({
        ...r,
        id: `${r.id}-S${k}`,
        affected: r.affected?.map((a) => (a.package ? { ...a, package: { ...a.package, name: k === 0 ? a.package.name : `${a.package.name}-s${k}` } } : a)),
      }));
      writeFileSync(join(folder, `copy-${String(k).padStart(4, '0')}.json`), JSON.stringify(batch));
    }
    const dir = join(work, 'synthetic');
    const result = await importSources(dir, [folder]);
    const records = result.sources[0]!.records;
    t.diagnostic(`import synthetic: ${records} records in ${result.durationMs} ms = ${Math.round(records / (result.durationMs / 1000))} records/s`);
    const { openMs } = measureReads(t, dir, PROBES);
    assert.ok(openMs < 2000, `open took ${openMs} ms`);
  });
});
