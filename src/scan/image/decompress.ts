/**
 * Layer decompression chosen by magic bytes, not by media type:
 * gzip (zlib; concatenated members, so estargz works), zstd (fzstd, the same
 * code on every Node version; multi-frame and skippable frames, so
 * zstd:chunked works) or an uncompressed tar.
 */
import type { Transform, TransformOptions } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { waitForDrain } from './read-stream.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const BZIP2 = [0x42, 0x5a, 0x68];
/** zstd's default decoder limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27) */
const MAX_ZSTD_WINDOW = 2 ** 27;
/** fzstd decodes synchronously per push: small slices bound the output of one push */
const ZSTD_SLICE = 1024;
/**
 * gunzip output per round trip to the zlib thread: the default 16 KiB makes
 * inflating a 50 MB layer ~2.5x slower than zlib itself (measured in bench/scan.ts)
 */
const GUNZIP_CHUNK = 256 * 1024;
/** decompressed bytes zlib may hold ahead of the reader (default 16 KiB: zlib idles while a chunk is parsed) */
const GUNZIP_READ_AHEAD = 4 * 1024 * 1024;

function startsWith(head: Uint8Array, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

export function detectCompression(head: Uint8Array): Compression {
  if (startsWith(head, GZIP)) return 'gzip';
  if (startsWith(head, ZSTD)) return 'zstd';
  if (startsWith(head, XZ)) throw new Error('xz-compressed layers are not supported');
  if (startsWith(head, BZIP2)) throw new Error('bzip2-compressed layers are not supported');
  return 'none';
}

/** Window size a zstd frame header asks the decoder to allocate (RFC 8878 §3.1.1.1). */
export function zstdWindowSize(head: Uint8Array): number | undefined {
  if (!startsWith(head, ZSTD) || head.length < 6) return undefined;
  const descriptor = head[4] as number;
  const singleSegment = (descriptor >> 5) & 1;
  if (!singleSegment) {
    const windowDescriptor = head[5] as number;
    const base = 2 ** (10 + (windowDescriptor >> 3));
    return base + (base / 8) * (windowDescriptor & 7);
  }
  const contentSizeFlag = descriptor >> 6;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] as number;
  const sizeBytes = [1, 2, 4, 8][contentSizeFlag] as number;
  const at = 5 + dictionaryBytes;
  if (head.length < at + sizeBytes) return undefined;
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + (head[at + i] as number);
  return sizeBytes === 2 ? size + 256 : size;
}

const gunzipOptions: zlib.ZlibOptions & TransformOptions = { chunkSize: GUNZIP_CHUNK, readableHighWaterMark: GUNZIP_READ_AHEAD };

async function* throughTransform(source: AsyncIterable<Buffer>, transform: Transform): AsyncGenerator<Buffer> {
  const feed = (async () => {
    for await (const chunk of source) {
      if (transform.destroyed) return;
      if (!transform.write(chunk)) await waitForDrain(transform);
    }
    transform.end();
  })();
  feed.catch((err: unknown) => transform.destroy(err instanceof Error ? err : new Error(String(err))));
  try {
    for await (const chunk of transform) yield chunk as Buffer;
  } finally {
    transform.destroy();
  }
  await feed;
}

async function* throughZstd(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  const decoder = new ZstdDecompress((chunk) => {
    if (chunk.length > 0) pending.push(chunk);
  });
  const drain = function* (): Generator<Buffer> {
    const out = pending;
    pending = [];
    for (const chunk of out) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  };
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += ZSTD_SLICE) {
      decoder.push(chunk.subarray(i, i + ZSTD_SLICE));
      yield* drain();
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* drain();
}

/** Decompresses `source`, reporting the compression found before the first chunk. */
export async function* decompress(source: AsyncIterable<Buffer>, onDetected: (compression: Compression) => void): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    const firstChunks: Buffer[] = [];
    let headLength = 0;
    while (headLength < 16) {
      const next = await iterator.next();
      if (next.done) break;
      firstChunks.push(next.value);
      headLength += next.value.length;
    }
    const head = firstChunks.length === 1 ? (firstChunks[0] as Buffer) : Buffer.concat(firstChunks, headLength);
    const compression = detectCompression(head);
    onDetected(compression);
    if (compression === 'zstd' && (zstdWindowSize(head) ?? 0) > MAX_ZSTD_WINDOW) {
      throw new Error(`zstd window of ${zstdWindowSize(head)} bytes exceeds ${MAX_ZSTD_WINDOW}`);
    }
    const rest = (async function* () {
      if (head.length > 0) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })();
    if (compression === 'gzip') yield* throughTransform(rest, zlib.createGunzip(gunzipOptions));
    else if (compression === 'zstd') yield* throughZstd(rest);
    else yield* rest;
  } finally {
    await iterator.return?.();
  }
}
