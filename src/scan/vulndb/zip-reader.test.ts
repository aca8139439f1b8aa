import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ZipFormatError, ZipReader } from './zip-reader.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/osv/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'zip-reader-'));
after(() => rmSync(work, { recursive: true, force: true }));

function damaged(name: string, mutate: (bytes: Buffer) => Buffer): string {
  const path = join(work, name);
  writeFileSync(path, mutate(readFileSync(join(FIXTURES, 'Alpine-v3.10/all.zip'))));
  return path;
}

describe('ZipReader', () => {
  it('lists and inflates every entry of a real OSV all.zip', () => {
    const zip = new ZipReader(join(FIXTURES, 'Alpine-v3.10/all.zip'));
    try {
      assert.equal(zip.entries.length, 1721);
      for (const entry of zip.entries) {
        const record = JSON.parse(zip.read(entry).toString('utf8')) as { id: string };
        assert.equal(`${record.id}.json`, entry.name);
      }
    } finally {
      zip.close();
    }
  });

  it('reads ZIP64 end records and extra fields', () => {
    const zip = new ZipReader(join(FIXTURES, 'synthetic/zip64-three-records.zip'));
    try {
      assert.deepEqual(
        zip.entries.map((e) => e.name),
        ['OSV-TEST-0001.json', 'OSV-TEST-0002.json', 'OSV-TEST-0003.json'],
      );
      assert.ok(zip.entries[1]!.localHeaderOffset > 0);
      const last = JSON.parse(zip.read(zip.entries[2]!).toString('utf8')) as { id: string };
      assert.equal(last.id, 'OSV-TEST-0003');
    } finally {
      zip.close();
    }
  });

  it('rejects a truncated archive (an interrupted download)', () => {
    const half = damaged('half.zip', (b) => b.subarray(0, b.length >> 1));
    assert.throws(() => new ZipReader(half), ZipFormatError);
    const tailless = damaged('tailless.zip', (b) => b.subarray(0, b.length - 10));
    assert.throws(() => new ZipReader(tailless), ZipFormatError);
  });

  it('rejects corrupted entry data (CRC check)', () => {
    const path = damaged('flipped.zip', (b) => {
      const copy = Buffer.from(b);
      copy[200] = copy[200]! ^ 0xff; // inside the first entry's compressed data
      return copy;
    });
    const zip = new ZipReader(path);
    try {
      assert.throws(() => zip.read(zip.entries[0]!), ZipFormatError);
    } finally {
      zip.close();
    }
  });

  it('rejects a file that is not a zip', () => {
    const path = join(work, 'not.zip');
    writeFileSync(path, '{"id": "not a zip"}');
    assert.throws(() => new ZipReader(path), /not a zip file/);
  });
});
