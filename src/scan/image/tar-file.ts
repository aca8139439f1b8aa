/**
 * Tar reading for the image reader: entries of a byte stream (a layer), and
 * members of a tar file on disk, itself possibly gzip- or zstd-compressed
 * (`docker save | gzip`). Handlers may leave an entry's content unread: the
 * rest is skipped (see tar-reader.ts).
 */
import { createReadStream } from 'node:fs';
import { decompress } from './decompress.js';
import { ImageLimitError } from './limits.js';
import { FILE_READ_CHUNK } from './read-stream.js';
import { readTar, type EntryContent, type TarHeader } from './tar-reader.js';

export type { EntryContent, TarHeader } from './tar-reader.js';
export type TarEntryHandler = (header: TarHeader, content: EntryContent) => Promise<void>;

/** Reads the tar in `chunks`, awaiting `onEntry` for each entry; the first error (input, format or handler) wins. */
export async function forEachTarEntry(chunks: AsyncIterable<Buffer>, onEntry: TarEntryHandler): Promise<void> {
  await readTar(chunks, onEntry);
}

export async function forEachTarMember(file: string, maxBytes: number, onMember: TarEntryHandler): Promise<void> {
  const input = createReadStream(file, { highWaterMark: FILE_READ_CHUNK });
  let total = 0;
  const tar = (async function* () {
    for await (const chunk of decompress(input as AsyncIterable<Buffer>, () => undefined)) {
      total += chunk.length;
      if (total > maxBytes) throw new ImageLimitError('maxImageBytes', maxBytes, `${file}: archive exceeds ${maxBytes} decompressed bytes (maxImageBytes)`);
      yield chunk;
    }
  })();
  try {
    await forEachTarEntry(tar, onMember);
  } finally {
    input.destroy();
  }
}
