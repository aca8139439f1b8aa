import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ImageLimitError } from './limits.js';

/** read size for blobs and archives on disk: 64 KiB reads (the default) cost ~30% of a layer scan */
export const FILE_READ_CHUNK = 1024 * 1024;

/** Reads a whole (small) stream or tar entry, failing past `max` bytes. */
export async function readAll(stream: Readable | AsyncIterable<Buffer>, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > max) {
      if ('destroy' in stream) stream.destroy();
      throw new ImageLimitError('maxManifestSize', max, `${what} is larger than ${max} bytes (maxManifestSize)`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

/** `sha256:<hex>` of `bytes`, with the algorithm of `like` (sha256 by default). */
export function digestOf(bytes: Buffer, like = 'sha256:'): string {
  const algorithm = like.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function assertDigest(bytes: Buffer, expected: string, what: string): void {
  const actual = digestOf(bytes, expected);
  if (actual !== expected) throw new Error(`${what}: digest mismatch, expected ${expected}, got ${actual}`);
}

/** Resolves when a writable can take more data, or when it closes or fails (errors surface elsewhere). */
export function waitForDrain(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
