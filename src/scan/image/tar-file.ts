/**
 * Tar reading on top of tar-stream: entries of a byte stream, and members of
 * a tar file on disk, itself possibly gzip- or zstd-compressed
 * (`docker save | gzip`). Each entry's content must be consumed by the handler.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { decompress } from './decompress.js';
import type { EntryHeader } from './layer-recorder.js';
import { ImageLimitError } from './limits.js';
import { waitForDrain } from './read-stream.js';

export type TarEntryHandler = (header: EntryHeader, content: Readable) => Promise<void>;

/** Feeds `chunks` to a tar reader and awaits `onEntry` for each entry; the first error wins and stops both. */
export async function forEachTarEntry(chunks: AsyncIterable<Buffer>, onEntry: TarEntryHandler): Promise<void> {
  const reader = extract();
  const feeding = (async () => {
    for await (const chunk of chunks) {
      if (reader.destroyed) return;
      if (!reader.write(chunk)) await waitForDrain(reader);
    }
    reader.end(() => undefined);
  })();
  let feedError: unknown;
  feeding.catch((err: unknown) => {
    feedError = err;
    reader.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  try {
    for await (const entry of reader) await onEntry(entry.header, entry as unknown as Readable);
    await feeding;
  } catch (err) {
    reader.destroy();
    throw feedError ?? err;
  }
}

export async function forEachTarMember(file: string, maxBytes: number, onMember: TarEntryHandler): Promise<void> {
  const input = createReadStream(file);
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
