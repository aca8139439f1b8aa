import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { analyzeLayer } from './analyze-layer.js';
import { ImageBudget, ImageLimitError, resolveLimits, type ImageLimits } from './limits.js';
import { everyFileCataloger, imageFixture, sha256, tarLayer } from './test-support.js';
import type { LayerRef } from './types.js';

function analyse(blob: Buffer | Readable, overrides: Partial<ImageLimits> = {}, layer: Partial<LayerRef> = {}) {
  const limits = resolveLimits(overrides);
  const stream = Buffer.isBuffer(blob) ? Readable.from([blob]) : blob;
  return analyzeLayer(stream, { layer: { digest: 'sha256:' + '0'.repeat(64), ...layer }, catalogers: [everyFileCataloger], limits, budget: new ImageBudget(limits) });
}

/** A ustar header for one regular file of `size` bytes (sizes ≥ 8 GiB use the base-256 form). */
function fileHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  if (size < 8 * 1024 ** 3) header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  else {
    header[124] = 0x80;
    header.writeBigUInt64BE(BigInt(size), 128);
  }
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

describe('analyzeLayer', () => {
  it('records wanted files, symlinks, whiteouts and opaque dirs, and the diff id', async () => {
    const tar = await tarLayer([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/os-release', content: 'ID=alpine\n' },
      { name: 'etc/.wh.hostname', content: '' },
      { name: 'var/lib/.wh..wh..opq', content: '' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'bin/sh', content: 'busybox\n', mode: 0o755 },
      { name: 'bin/ash', type: 'link', linkname: 'bin/sh' },
    ]);
    const analysis = await analyse(gzipSync(tar), {}, { storedDigest: sha256(gzipSync(tar)), diffId: sha256(tar) });
    assert.equal(analysis.compression, 'gzip');
    assert.equal(analysis.diffId, sha256(tar));
    assert.deepEqual(Object.keys(analysis.files).sort(), ['bin/ash', 'bin/sh', 'etc/os-release']);
    assert.deepEqual(analysis.symlinks, { lib: 'usr/lib' });
    assert.deepEqual(analysis.whiteouts, ['etc/hostname']);
    assert.deepEqual(analysis.opaqueDirs, ['var/lib']);
    assert.equal(analysis.entries, 7);
    assert.deepEqual(analysis.files['bin/ash'], analysis.files['bin/sh'], 'a hard link shares its target output');
    assert.deepEqual(JSON.parse(JSON.stringify(analysis)), analysis, 'JSON-serialisable');
  });

  it('fails closed on a digest mismatch', async () => {
    const tar = await tarLayer([{ name: 'a', content: 'x' }]);
    await assert.rejects(analyse(tar, {}, { diffId: sha256(Buffer.from('other')) }), /diff id\) digest mismatch/);
    await assert.rejects(analyse(tar, {}, { storedDigest: sha256(Buffer.from('other')) }), /stored digest mismatch/);
  });

  it('skips wanted files over maxFileSize with a warning, without buffering them', async () => {
    const tar = await tarLayer([
      { name: 'big', content: Buffer.alloc(5000, 0x61) },
      { name: 'small', content: 'ok' },
    ]);
    const analysis = await analyse(tar, { maxFileSize: 4096 });
    assert.deepEqual(analysis.files.big, { skipped: 'larger than maxFileSize (5000 > 4096 bytes)' });
    assert.ok(analysis.warnings.some((w) => w.startsWith('big: 5000 bytes, over maxFileSize')));
    assert.ok('outputs' in (analysis.files.small ?? {}));
  });

  it('normalises hostile entry names (osv-scalibr unpack/escape.tar) and never writes anything', async () => {
    const analysis = await analyse(readFileSync(imageFixture('osv-scalibr-layers/unpack/escape.tar')));
    assert.deepEqual(Object.keys(analysis.files), ['escape/poc.txt']);
    assert.equal(analysis.symlinks['usr/share/doc/c/copyright'], '/escape/poc.txt');
    assert.equal(analysis.symlinks.trampoline, '.');
    const climbing = await tarLayer([{ name: '../../etc/passwd', content: 'root:x:0:0' }]);
    const clamped = await analyse(climbing);
    assert.deepEqual(Object.keys(clamped.files), ['etc/passwd']);
    assert.ok(clamped.warnings.some((w) => w.includes('climbs above the image root')));
  });

  it('stops at maxEntries', async () => {
    const tar = await tarLayer(Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, content: `${i}` })));
    await assert.rejects(analyse(tar, { maxEntries: 50 }), (err: unknown) => err instanceof ImageLimitError && err.limit === 'maxEntries');
  });

  it('stops a gzip bomb (10 GiB of zeros) at maxImageBytes, fast', async () => {
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const totalSize = 10 * 1024 ** 3;
    const members = totalSize / (64 * 1024 * 1024);
    const bomb = Readable.from(
      (function* () {
        yield gzipSync(fileHeader('zeros', totalSize - 512));
        for (let i = 0; i < members; i++) yield member;
      })(),
    );
    assert.ok(member.length * members < 16 * 1024 * 1024, 'under 16 MiB compressed');
    const started = performance.now();
    await assert.rejects(analyse(bomb, { maxImageBytes: 512 * 1024 * 1024 }), (err: unknown) => {
      assert.ok(err instanceof ImageLimitError);
      assert.equal(err.limit, 'maxImageBytes');
      assert.match(err.message, /exceeds 536870912 decompressed bytes \(maxImageBytes\); possible decompression bomb/);
      return true;
    });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 15, `took ${seconds.toFixed(1)} s`);
  });

  it('stops a zstd bomb (1 GiB of zeros in 33 KB) at maxImageBytes', async () => {
    await assert.rejects(analyse(createReadStream(imageFixture('zeros-1GiB.tar.zst')), { maxImageBytes: 128 * 1024 * 1024 }), ImageLimitError);
  });

  it('rejects garbage that is not a tar', async () => {
    await assert.rejects(analyse(Buffer.alloc(1024, 0x41)));
  });
});
