import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decompress, detectCompression, zstdWindowSize, type Compression } from './decompress.js';
import { imageFixture, sha256 } from './test-support.js';

async function inflate(chunks: Buffer[]): Promise<{ bytes: Buffer; compression?: Compression }> {
  let compression: Compression | undefined;
  const out: Buffer[] = [];
  for await (const chunk of decompress((async function* () { yield* chunks; })(), (c) => (compression = c))) out.push(chunk);
  return { bytes: Buffer.concat(out), ...(compression ? { compression } : {}) };
}

/** Splits a buffer into small chunks, as a network stream would deliver it. */
function chunked(bytes: Buffer, size = 7): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return parts;
}

describe('layer decompression', () => {
  const zstdLayer = readFileSync(imageFixture('symlink-basic-layer.tar.zst'));
  const zstdMultiFrame = readFileSync(imageFixture('symlink-basic-layer.multiframe.tar.zst'));

  it('detects the format from magic bytes', () => {
    assert.equal(detectCompression(gzipSync('x')), 'gzip');
    assert.equal(detectCompression(zstdLayer), 'zstd');
    assert.equal(detectCompression(Buffer.from('plain tar')), 'none');
    assert.throws(() => detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), /xz/);
    assert.throws(() => detectCompression(Buffer.from('BZh91AY')), /bzip2/);
  });

  it('inflates zstd, single and multi-frame, from tiny chunks, to the same tar', async () => {
    const single = await inflate(chunked(zstdLayer));
    const multi = await inflate(chunked(zstdMultiFrame, 3));
    assert.equal(single.compression, 'zstd');
    assert.equal(single.bytes.length, 4608);
    assert.equal(sha256(multi.bytes), sha256(single.bytes));
  });

  it('inflates concatenated gzip members (as estargz writes them)', async () => {
    const { bytes, compression } = await inflate(chunked(Buffer.concat([gzipSync('hello '), gzipSync('world')]), 5));
    assert.equal(compression, 'gzip');
    assert.equal(bytes.toString(), 'hello world');
  });

  it('passes uncompressed data through and handles empty input', async () => {
    assert.equal((await inflate([Buffer.from('abc'), Buffer.from('def')])).bytes.toString(), 'abcdef');
    assert.deepEqual(await inflate([]), { bytes: Buffer.alloc(0), compression: 'none' });
  });

  it('fails on corrupt gzip and truncated zstd', async () => {
    const gz = gzipSync(Buffer.alloc(10_000, 1));
    await assert.rejects(inflate([gz.subarray(0, 20), Buffer.alloc(50, 0xff)]));
    await assert.rejects(inflate([zstdLayer.subarray(0, zstdLayer.length - 10)]));
  });

  it('reads zstd window sizes and refuses windows over 128 MiB', async () => {
    assert.equal(zstdWindowSize(zstdLayer), 4608, 'single-segment frame: the content size');
    // frame header: magic, descriptor 0x00 (window descriptor follows), window descriptor for 2 GiB
    const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (21 << 3) | 0, 0, 0]);
    assert.equal(zstdWindowSize(huge), 2 ** 31);
    await assert.rejects(inflate([huge]), /window/);
  });
});
