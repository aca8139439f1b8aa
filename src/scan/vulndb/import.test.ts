import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importSources, type ImportProgress } from './import.js';
import { ImportBusyError } from './import-lock.js';
import { openVulnDb, reloadOnChange, VulnDbMissingError } from './vulndb.js';
import { ZipFormatError } from './zip-reader.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/osv/', import.meta.url));
const ALL_SOURCES = ['Debian', 'Alpine-v3.10/all.zip', 'Alpine-v3.11/all.zip', 'PyPI/all.zip', 'Go/all.zip', 'npm'].map((s) => join(FIXTURES, s));
const work = mkdtempSync(join(tmpdir(), 'vulndb-import-'));
after(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(work, `db${++dirs}`);

const ids = (records: { id: string }[]): string[] => records.map((r) => r.id).sort();

describe('importSources + openVulnDb on the real fixture data', async () => {
  const dir = freshDir();
  const progress: ImportProgress[] = [];
  const result = await importSources(dir, ALL_SOURCES, { onProgress: (p) => progress.push(p) });
  const db = openVulnDb(dir);
  after(() => db.close());

  it('imports every record and counts per ecosystem', () => {
    const status = db.status();
    // 409 Debian + 1950 distinct Alpine ids (1673 shared by both releases) + 2661 PyPI + 4291 Go + 15 npm
    assert.equal(status.records, 9326);
    assert.deepEqual(status.ecosystems, { 'Alpine:v3.10': 1721, 'Alpine:v3.11': 1902, 'Debian:12': 409, Go: 4291, PyPI: 2661, npm: 15 });
    assert.equal(status.skipped, 0);
    assert.equal(status.withdrawn, 27);
    assert.deepEqual(status.sources.map((s) => s.source), ALL_SOURCES);
    assert.match(status.version, /^sha256:[0-9a-f]{64}$/);
    assert.equal(status.version, result.status.version);
    assert.equal(result.previousVersion, undefined);
  });

  it('reports progress per source up to its total', () => {
    const lastOfGo = progress.filter((p) => p.phase === 'records' && p.source.endsWith('Go/all.zip')).at(-1);
    assert.deepEqual(lastOfGo && [lastOfGo.done, lastOfGo.total], [4291, 4291]);
    assert.equal(progress.at(-1)?.phase, 'finalize');
  });

  it('keeps release-specific content of one id imported from two per-release zips', () => {
    const fixedIn = (eco: string): string | undefined => {
      const rec = db.lookup(eco, 'openssl').find((r) => r.id === 'ALPINE-CVE-2019-1547');
      return rec?.affected?.[0]?.ranges?.[0]?.events.find((e) => e.fixed)?.fixed;
    };
    assert.equal(fixedIn('Alpine:v3.10'), '1.1.1d-r0');
    assert.equal(fixedIn('Alpine:v3.11'), '1.1.1d-r1');
  });

  it('looks Debian up by exact release and source package name', () => {
    assert.deepEqual(ids(db.lookup('Debian:12', 'zlib')), ['DEBIAN-CVE-2018-25032', 'DEBIAN-CVE-2022-37434']);
    assert.deepEqual(db.lookup('Debian:11', 'zlib'), []);
    assert.deepEqual(db.lookup('Debian:12', 'zlib1g'), []);
  });

  it('normalises PyPI names (PEP 503) and folds npm case', () => {
    assert.deepEqual(ids(db.lookup('PyPI', 'JW_Util')), ['PYSEC-2020-341']);
    assert.ok(ids(db.lookup('npm', 'axios')).includes('GHSA-8hc4-vh64-cxmj')); // advisory says "Axios"
  });

  it('never returns withdrawn records', () => {
    const k8s = ids(db.lookup('Go', 'k8s.io/kubernetes'));
    assert.ok(k8s.length > 0);
    assert.ok(!k8s.includes('GO-2022-0617'));
  });

  it('gives the same version for the same data, whatever the order and form of the sources', async () => {
    const other = freshDir();
    const npmCopy = join(work, 'npm-copy');
    cpSync(join(FIXTURES, 'npm'), join(npmCopy, 'nested'), { recursive: true });
    const again = await importSources(other, [...ALL_SOURCES.slice(0, -1).reverse(), npmCopy]);
    assert.equal(again.status.version, db.version);
    const reimport = await importSources(dir, ALL_SOURCES);
    assert.equal(reimport.status.version, db.version);
    assert.equal(reimport.previousVersion, db.version);
    assert.ok(reimport.sources.every((s) => s.added === 0 && s.replaced === 0));
  });
});

describe('record replacement and invalid records', () => {
  const record = (id: string, modified: string, name: string): object => ({
    id,
    modified,
    affected: [{ package: { ecosystem: 'npm', name }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }] }],
  });

  it('replaces a record by id, re-indexing it, and changes the version exactly then', async () => {
    const dir = freshDir();
    const src = join(work, 'replace-src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.json'), JSON.stringify(record('GHSA-aaaa-aaaa-aaaa', '2024-01-01T00:00:00Z', 'old-name')));
    const first = await importSources(dir, [src]);
    const unchanged = await importSources(dir, [src]);
    assert.equal(unchanged.status.version, first.status.version);
    writeFileSync(join(src, 'a.json'), JSON.stringify(record('GHSA-aaaa-aaaa-aaaa', '2024-02-01T00:00:00Z', 'new-name')));
    const second = await importSources(dir, [src]);
    assert.notEqual(second.status.version, first.status.version);
    assert.equal(second.sources[0]!.replaced, 1);
    const db = openVulnDb(dir);
    assert.deepEqual(db.lookup('npm', 'old-name'), []);
    assert.deepEqual(ids(db.lookup('npm', 'new-name')), ['GHSA-aaaa-aaaa-aaaa']);
    assert.equal(db.status().records, 1);
    db.close();
  });

  it('skips and counts schema-invalid and unparsable records, never failing the import', async () => {
    const dir = freshDir();
    const result = await importSources(dir, [join(FIXTURES, 'schema-cases')]);
    const files = readdirSync(join(FIXTURES, 'schema-cases'));
    const invalid = files.filter((f) => f.startsWith('invalid-'));
    assert.equal(result.sources[0]!.skipped, invalid.length);
    assert.equal(result.sources[0]!.records, files.length - invalid.length);
    assert.equal(result.status.skipped, invalid.length);
    assert.ok(result.sources[0]!.skippedExamples.some((e) => e.startsWith('invalid-not-json.json: not JSON')));
    assert.equal(result.status.records, 2);
  });
});

describe('atomicity', () => {
  it('leaves the previous database working when a source is missing or a zip is damaged', async () => {
    const dir = freshDir();
    const good = await importSources(dir, [join(FIXTURES, 'npm')]);
    const broken = join(work, 'broken.zip');
    const zip = readFileSync(join(FIXTURES, 'Go/all.zip'));
    writeFileSync(broken, zip.subarray(0, zip.length - 5000));
    await assert.rejects(importSources(dir, [join(FIXTURES, 'PyPI/all.zip'), broken]), ZipFormatError);
    await assert.rejects(importSources(dir, [join(FIXTURES, 'PyPI/all.zip'), join(work, 'missing.zip')]), /ENOENT/);
    const db = openVulnDb(dir);
    assert.equal(db.version, good.status.version);
    assert.equal(db.status().records, 15);
    assert.deepEqual(db.lookup('PyPI', 'py'), []);
    db.close();
    assert.deepEqual(readdirSync(dir).sort(), ['osv.sqlite']);
  });

  it('keeps open handles on the old file until reopened', async () => {
    const dir = freshDir();
    await importSources(dir, [join(FIXTURES, 'npm')]);
    const db = openVulnDb(dir);
    const before = db.version;
    assert.equal(db.changedOnDisk(), false);
    await importSources(dir, [join(FIXTURES, 'PyPI/all.zip')]);
    assert.deepEqual(db.lookup('PyPI', 'py'), []);
    assert.equal(db.changedOnDisk(), true);
    assert.equal(db.reopenIfChanged(), true);
    assert.notEqual(db.version, before);
    assert.deepEqual(ids(db.lookup('PyPI', 'py')), ['PYSEC-2020-92', 'PYSEC-2022-42969']);
    assert.equal(db.reopenIfChanged(), false);
    db.close();
  });

  it('reloadOnChange reopens the database after an import', async () => {
    const dir = freshDir();
    await importSources(dir, [join(FIXTURES, 'npm')]);
    const db = openVulnDb(dir);
    const reloaded = new Promise<string>((resolve) => {
      const stop = reloadOnChange(db, 10, (version) => {
        stop();
        resolve(version);
      });
    });
    const next = await importSources(dir, [join(FIXTURES, 'Debian')]);
    const keepAlive = setInterval(() => undefined, 1000); // the reload timer is unref'd
    assert.equal(await reloaded, next.status.version);
    clearInterval(keepAlive);
    assert.equal(db.lookup('Debian:12', 'zlib').length, 2);
    db.close();
  });

  it('refuses a second concurrent import into the same directory', async () => {
    const dir = freshDir();
    const first = importSources(dir, [join(FIXTURES, 'Go/all.zip')]);
    await assert.rejects(importSources(dir, [join(FIXTURES, 'npm')]), ImportBusyError);
    await first;
    await importSources(dir, [join(FIXTURES, 'npm')]);
  });

  it('reports a missing database clearly', () => {
    assert.throws(() => openVulnDb(freshDir()), VulnDbMissingError);
  });
});
