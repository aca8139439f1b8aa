import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DownloadError } from './download.js';
import { importSources } from './import.js';
import { openVulnDb } from './vulndb.js';
import { ZipFormatError } from './zip-reader.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/osv/', import.meta.url));
const GO_ZIP = readFileSync(join(FIXTURES, 'Go/all.zip'));
const NPM_DIR = join(FIXTURES, 'npm');

/** A loopback server: whole zips, zips cut mid-body (with and without Content-Length), 404s. */
function startServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const half = GO_ZIP.subarray(0, GO_ZIP.length >> 1);
    switch (req.url) {
      case '/Go/all.zip':
        if (req.headers.authorization !== undefined && req.headers.authorization !== `Basic ${Buffer.from('user:secret').toString('base64')}`) {
          res.writeHead(401).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': GO_ZIP.length });
        res.end(GO_ZIP);
        return;
      case '/cut-with-length.zip':
        res.writeHead(200, { 'content-length': GO_ZIP.length });
        res.write(half, () => res.destroy());
        return;
      case '/cut-chunked.zip':
        res.writeHead(200, { 'content-type': 'application/zip' });
        res.write(half, () => res.destroy());
        return;
      case '/complete-but-truncated.zip':
        res.writeHead(200, { 'content-length': half.length });
        res.end(half);
        return;
      default:
        res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('importing from http(s) URLs', () => {
  let server: Server;
  let base: string;
  const work = mkdtempSync(join(tmpdir(), 'vulndb-http-'));
  before(async () => {
    server = await startServer();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('streams a zip to a temporary file and imports it; credentials go in a header, not the status', async () => {
    const dir = join(work, 'ok');
    const url = `${base.replace('http://', 'http://user:secret@')}/Go/all.zip`;
    const progress: string[] = [];
    const result = await importSources(dir, [url], { onProgress: (p) => progress.push(p.phase) });
    assert.equal(result.status.records, 4291);
    assert.deepEqual(result.status.sources.map((s) => s.source), [`${base}/Go/all.zip`]);
    assert.ok(progress.includes('download'));
    assert.deepEqual(readdirSync(dir), ['osv.sqlite']);
  });

  it('leaves the previous database working when the download is interrupted or the zip is damaged', async () => {
    const dir = join(work, 'interrupted');
    const good = await importSources(dir, [NPM_DIR]);
    const failures: [string, RegExp | (new (...args: never[]) => Error)][] = [
      ['/cut-with-length.zip', DownloadError],
      ['/cut-chunked.zip', DownloadError],
      ['/complete-but-truncated.zip', ZipFormatError],
      ['/missing.zip', /HTTP 404/],
    ];
    for (const [path, expected] of failures) {
      await assert.rejects(importSources(dir, [`${base}${path}`]), expected, path);
      const db = openVulnDb(dir);
      assert.equal(db.version, good.status.version, path);
      assert.equal(db.lookup('Go', 'github.com/gin-gonic/gin').length, 0);
      assert.equal(db.lookup('npm', 'lodash').length > 0, true);
      db.close();
      assert.deepEqual(readdirSync(dir), ['osv.sqlite'], `no leftovers after ${path}`);
    }
  });

  it('refuses to start when the server is not there', async () => {
    const dir = join(work, 'refused');
    await assert.rejects(importSources(dir, ['http://127.0.0.1:1/all.zip']), DownloadError);
  });
});
