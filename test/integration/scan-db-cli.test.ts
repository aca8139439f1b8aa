/**
 * `portcullis db import | update | status` through the CLI: local zips and
 * folders, `db update` fetching `vulndb.sources` over http (a loopback
 * server), atomicity of a failed update, progress only on a TTY.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../harness/process.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { OSV, REPO_ROOT } from '../fixtures/scan/scan-images.js';
import { portcullis, writeConfig } from '../fixtures/scan/run-portcullis.js';

interface Status {
  version: string;
  builtAt: string;
  records: number;
  ecosystems: Record<string, number>;
  sources: { source: string; records: number; skipped: number; importedAt: string }[];
}

describe('db import / update / status', () => {
  let dir: TempDir;
  let server: http.Server;
  let base: string;
  const served: string[] = [];

  before(async () => {
    dir = await makeTempDir('scan-db');
    const zip = await readFile(OSV('Alpine-v3.11/all.zip'));
    server = http.createServer((req, res) => {
      served.push(req.url ?? '');
      if (req.url === '/Alpine-v3.11/all.zip') res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length }).end(zip);
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await dir?.stop();
  });

  it('imports a zip and a folder of .json files; status lists both; a repeat import changes nothing', async () => {
    const db = dir.join('local');
    const first = await portcullis(['db', 'import', OSV('Alpine-v3.10/all.zip'), OSV('npm'), '--db', db]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '', 'no progress off a TTY');
    const summary = first.json<{ version: string; changed: boolean; records: number; sources: { records: number; added: number }[] }>();
    assert.equal(summary.changed, true);
    assert.deepEqual(summary.sources.map((s) => [s.records, s.added]), [[1721, 1721], [15, 15]]);
    const status = (await portcullis(['db', 'status', '--db', db])).json<Status>();
    assert.deepEqual(Object.keys(status), ['version', 'builtAt', 'records', 'ecosystems', 'sources']);
    assert.deepEqual(status.ecosystems, { 'Alpine:v3.10': 1721, npm: 15 });
    assert.equal(status.records, 1736);
    assert.equal(status.version, summary.version);
    const again = (await portcullis(['db', 'import', OSV('npm'), '--db', db])).json<{ version: string; changed: boolean; sources: { unchanged: number }[] }>();
    assert.deepEqual([again.changed, again.version, again.sources[0]!.unchanged], [false, summary.version, 15]);
  });

  it('db update fetches vulndb.sources into vulndb.path of the config', async () => {
    const dbPath = dir.join('from-config');
    const config = await writeConfig(dir.join('update.yaml'), `vulndb:\n  path: "${dbPath}"\n  sources: ["${base}/Alpine-v3.11/all.zip"]\n`);
    const update = await portcullis(['db', 'update', '--config', config]);
    assert.equal(update.code, 0, update.stderr);
    assert.ok(served.includes('/Alpine-v3.11/all.zip'));
    const status = (await portcullis(['db', 'status', '--config', config])).json<Status>();
    assert.deepEqual(status.ecosystems, { 'Alpine:v3.11': 1902 });
    assert.deepEqual(status.sources.map((s) => s.source), [`${base}/Alpine-v3.11/all.zip`]);
  });

  it('a failed update (one source answers 404) exits 2 and leaves the previous database', async () => {
    const dbPath = dir.join('from-config');
    const before = (await portcullis(['db', 'status', '--db', dbPath])).json<Status>();
    const config = await writeConfig(dir.join('broken.yaml'), `vulndb:\n  path: "${dbPath}"\n  sources: ["${base}/Alpine-v3.11/all.zip", "${base}/missing/all.zip"]\n`);
    const update = await portcullis(['db', 'update', '--config', config]);
    assert.equal(update.code, 2);
    assert.match(update.stderr, /import into .* failed: .*404/);
    assert.deepEqual((await portcullis(['db', 'status', '--db', dbPath])).json<Status>(), before);
  });

  it('status without a database, and usage errors, exit 2 saying what to do', async () => {
    const missing = await portcullis(['db', 'status', '--db', dir.join('none')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no vulnerability database in .*none; import one first: `portcullis db import SRC\.\.\./);
    const noSource = await portcullis(['db', 'import', '--db', dir.join('none')]);
    assert.equal(noSource.code, 2);
    assert.match(noSource.stderr, /db import needs at least one SRC/);
    assert.equal((await portcullis(['db', 'frobnicate'])).code, 2);
    const notThere = await portcullis(['db', 'import', dir.join('no-such.zip'), '--db', dir.join('none')]);
    assert.equal(notThere.code, 2);
    assert.match(notThere.stderr, /no-such\.zip/);
  });

  it('shows progress on a TTY (stderr), one rewritten line', async () => {
    const db = dir.join('tty');
    const command = `${process.execPath} --import ${import.meta.resolve('tsx')} src/cli.ts db import ${OSV('Alpine-v3.11/all.zip')} --db ${db} >/dev/null`;
    const result = await runCommand('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /\r\x1b\[2K.*all\.zip: \d+ of 1902 records/);
  });
});
