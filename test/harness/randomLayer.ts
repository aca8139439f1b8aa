/**
 * Random gzip'd tar layers for benchmarks. Content is generated in 1 MiB chunks
 * and streamed through tar → gzip → (file | memory) while both digests (blob
 * digest and diff id) are computed on the fly, so a 1 GiB layer written to a
 * file never sits in memory.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { MediaType, type LayerBlob } from './ociTypes.js';

export interface RandomLayerOptions {
  /** Text-like content (16-letter alphabet + newlines, ~1.9:1 with gzip) instead of incompressible random bytes. Default false. */
  compressible?: boolean;
  /** Write the blob to this file (required above 256 MiB); otherwise kept in memory. */
  file?: string;
  /**
   * gzip level. Default: 0 for incompressible content (valid "stored" gzip, same
   * size as deflate would give, ~1 GB/s instead of ~50 MB/s), and 1 with the
   * Huffman-only strategy for compressible content (near-optimal for its 4-bit
   * alphabet, fast). Setting a level uses the default strategy.
   */
  gzipLevel?: number;
  /** Name of the single file inside the tar. Default `random.bin`. */
  entryName?: string;
}

const CHUNK = 1024 * 1024;
const IN_MEMORY_LIMIT = 256 * 1024 * 1024;

function* randomChunks(total: number, compressible: boolean): Generator<Buffer> {
  let remaining = total;
  while (remaining > 0) {
    const n = Math.min(CHUNK, remaining);
    const buf = randomFillSync(Buffer.allocUnsafe(n));
    if (compressible) {
      // 16-letter alphabet with newlines: ~4 bits of entropy per byte.
      for (let i = 0; i < n; i++) buf[i] = (i & 63) === 63 ? 0x0a : 0x61 + (buf[i]! & 0x0f);
    }
    remaining -= n;
    yield buf;
  }
}

function hashingTap(hash: ReturnType<typeof createHash>, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

function gzipOptions(options: RandomLayerOptions) {
  const chunkSize = CHUNK; // zlib's default 16 KiB chunks make stored/level-0 output ~7x slower
  if (options.gzipLevel !== undefined) return { level: options.gzipLevel, chunkSize };
  return options.compressible
    ? { level: 1, strategy: zlibConstants.Z_HUFFMAN_ONLY, chunkSize }
    : { level: 0, chunkSize };
}

/** A layer whose tar holds one file of `sizeBytes` random bytes. */
export async function randomLayer(sizeBytes: number, options: RandomLayerOptions = {}): Promise<LayerBlob> {
  if (!options.file && sizeBytes > IN_MEMORY_LIMIT) {
    throw new Error(`randomLayer(${sizeBytes}): pass options.file for layers above ${IN_MEMORY_LIMIT} bytes`);
  }
  const pack = tar.pack();
  const entry = pack.entry({
    name: options.entryName ?? 'random.bin',
    size: sizeBytes,
    mode: 0o644,
    mtime: new Date(0),
    uid: 0,
    gid: 0,
    type: 'file',
  });
  const fill = pipeline(Readable.from(randomChunks(sizeBytes, options.compressible ?? false)), entry).then(() => pack.finalize());

  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const tarCount = { bytes: 0 };
  const gzCount = { bytes: 0 };
  const memory: Buffer[] = [];
  const sink = options.file
    ? createWriteStream(options.file)
    : new Writable({
        write(chunk: Buffer, _enc, cb) {
          memory.push(chunk);
          cb();
        },
      });
  await Promise.all([
    fill,
    pipeline(
      pack,
      hashingTap(diffHash, tarCount),
      createGzip(gzipOptions(options)),
      hashingTap(blobHash, gzCount),
      sink,
    ),
  ]);
  const blob: LayerBlob = {
    mediaType: MediaType.layerGzip,
    digest: `sha256:${blobHash.digest('hex')}`,
    size: gzCount.bytes,
    diffId: `sha256:${diffHash.digest('hex')}`,
  };
  if (options.file) blob.path = options.file;
  else blob.bytes = Buffer.concat(memory);
  return blob;
}
