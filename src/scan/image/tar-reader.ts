/**
 * A streaming tar reader for the scan's hot path (replaces tar-stream there: a
 * stream, several listeners and promises per entry cost more than inflating a
 * layer full of small files). Entries are handed out one at a time; an entry's
 * content is an async iterable of views into the input (no copy), and whatever
 * the handler leaves unread is skipped.
 *
 * Formats and edge cases follow Go's archive/tar, which is what containerd
 * and dockerd extract with: ustar (with prefix), PAX extended headers (`path`,
 * `linkpath`, `size`; global headers are not applied), GNU long names (`L`,
 * `K`), v7; octal and base-256 numbers; either checksum convention. Header-only
 * types (links, directories, devices, fifos) have no data whatever their size
 * field says. The archive ends at EOF on a header boundary or at two zero
 * blocks; input after them is read and discarded (so digests computed
 * upstream cover the whole blob); a zero block followed by data is an error.
 */

export type TarEntryType = 'file' | 'contiguous-file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'unknown';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** bytes of content (0 for header-only types) */
  size: number;
  mode: number;
  linkname: string | null;
}

export type EntryContent = AsyncIterable<Buffer>;
export type TarEntryHandler = (header: TarHeader, content: EntryContent) => Promise<void> | void;

const BLOCK = 512;
/** largest PAX header or GNU long name accepted (as tar-stream) */
const MAX_META_SIZE = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'contiguous-file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo' };
const HEADER_ONLY = new Set<TarEntryType>(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

/** Pull-style byte reader over an async iterator of chunks. */
class ChunkReader {
  private chunk: Buffer = EMPTY;
  private offset = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** true when unread bytes are available in `chunk`; false at EOF */
  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.offset = 0;
    }
    return true;
  }

  /** exactly `n` bytes (a view when they lie in one chunk), or fewer at EOF */
  async read(n: number): Promise<Buffer> {
    if (this.offset + n <= this.chunk.length) {
      this.offset += n;
      return this.chunk.subarray(this.offset - n, this.offset);
    }
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n && (await this.fill())) {
      const take = Math.min(n - have, this.chunk.length - this.offset);
      parts.push(this.chunk.subarray(this.offset, this.offset + take));
      this.offset += take;
      have += take;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, have);
  }

  /** up to `n` bytes from the current chunk (a view), or null at EOF */
  async some(n: number): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    const take = Math.min(n, this.chunk.length - this.offset);
    this.offset += take;
    return this.chunk.subarray(this.offset - take, this.offset);
  }

  /** discards `n` bytes; returns how many there were */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n && (await this.fill())) {
      const take = Math.min(n - skipped, this.chunk.length - this.offset);
      this.offset += take;
      skipped += take;
    }
    return skipped;
  }

  async discardRest(): Promise<void> {
    this.chunk = EMPTY;
    this.offset = 0;
    while (!this.ended) if ((await this.source.next()).done) this.ended = true;
  }
}

function cString(block: Buffer, start: number, length: number): string {
  const nul = block.indexOf(0, start);
  const end = nul === -1 || nul > start + length ? start + length : nul;
  return block.toString('utf8', start, end);
}

/** An octal or base-256 number field (Go's parseNumeric). */
function numeric(block: Buffer, start: number, length: number, what: string): number {
  const first = block[start] as number;
  if (first & 0x80) {
    let value = 0;
    const negative = first === 0xff;
    for (let i = start; i < start + length; i++) {
      let byte = block[i] as number;
      if (i === start) byte &= 0x7f;
      value = value * 256 + (negative ? 0xff - byte : byte);
    }
    if (negative || !Number.isSafeInteger(value)) throw new TarFormatError(`invalid tar header: ${what} out of range`);
    return value;
  }
  // octal digits between leading and trailing spaces/NULs (parsed by hand: this runs for every header)
  let i = start;
  let end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  while (end > i && (block[end - 1] === 0x20 || block[end - 1] === 0)) end--;
  let value = 0;
  for (; i < end; i++) {
    const digit = (block[i] as number) - 0x30;
    if (digit < 0 || digit > 7) throw new TarFormatError(`invalid tar header: ${what} is not an octal number`);
    value = value * 8 + digit;
  }
  if (!Number.isSafeInteger(value)) throw new TarFormatError(`invalid tar header: ${what} out of range`);
  return value;
}

/** The header checksum, unsigned (POSIX) or, failing that, signed (old Sun tars), as Go accepts. */
function checksumMatches(block: Buffer): boolean {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 8 * 0x20;
  let high = 0;
  for (let i = 0; i < 148; i++) {
    const byte = block[i] as number;
    unsigned += byte;
    if (byte > 127) high++;
  }
  for (let i = 156; i < BLOCK; i++) {
    const byte = block[i] as number;
    unsigned += byte;
    if (byte > 127) high++;
  }
  return stored === unsigned || stored === unsigned - 256 * high;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** PAX records `LEN key=value\n` (strict, as Go's parsePAX). */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space > at ? Number(data.toString('latin1', at, space)) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length || data[at + length - 1] !== 0x0a) {
      throw new TarFormatError('invalid PAX header record');
    }
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarFormatError('invalid PAX header record');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

interface Pending {
  pax?: Map<string, string>;
  longName?: string;
  longLink?: string;
}

function decodeHeader(block: Buffer, pending: Pending): TarHeader {
  const flag = String.fromCharCode(block[156] as number);
  let name = cString(block, 0, 100);
  const magic = block.toString('latin1', 257, 263);
  if (magic === 'ustar\0' && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
  let type: TarEntryType = TYPES[flag] ?? 'unknown';
  if (type === 'file' && name.endsWith('/')) type = 'directory';
  let linkname: string | null = block[157] === 0 ? null : cString(block, 157, 100);
  let size = numeric(block, 124, 12, 'size');
  if (pending.longName !== undefined) name = pending.longName;
  if (pending.longLink !== undefined) linkname = pending.longLink;
  const pax = pending.pax;
  if (pax?.has('path')) name = pax.get('path') as string;
  if (pax?.has('linkpath')) linkname = pax.get('linkpath') as string;
  if (pax?.has('size')) {
    const paxSize = Number(pax.get('size'));
    if (!Number.isSafeInteger(paxSize) || paxSize < 0) throw new TarFormatError('invalid PAX size');
    size = paxSize;
  }
  return { name, type, size: HEADER_ONLY.has(type) ? 0 : size, mode: numeric(block, 100, 8, 'mode'), linkname };
}

async function readMeta(reader: ChunkReader, size: number, what: string): Promise<Buffer> {
  if (size > MAX_META_SIZE) throw new TarFormatError(`${what} of ${size} bytes exceeds ${MAX_META_SIZE}`);
  const data = Buffer.from(await reader.read(size));
  if (data.length < size || (await reader.skip(padding(size))) < padding(size)) throw new TarFormatError(`tar archive truncated in a ${what}`);
  return data;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Calls `onEntry` for each entry of the tar in `chunks`, in order; the first error stops the read. */
export async function readTar(chunks: AsyncIterable<Buffer>, onEntry: TarEntryHandler): Promise<void> {
  const source = chunks[Symbol.asyncIterator]();
  const reader = new ChunkReader(source);
  let pending: Pending = {};
  let finished = false;
  try {
    for (;;) {
      const block = await reader.read(BLOCK);
      if (block.length === 0) break;
      if (block.length < BLOCK) throw new TarFormatError('tar archive truncated in a header');
      if (isZeroBlock(block)) {
        const next = await reader.read(BLOCK);
        if (next.length > 0 && !(next.length === BLOCK && isZeroBlock(next))) throw new TarFormatError('invalid tar archive: a zero block followed by data');
        break;
      }
      if (!checksumMatches(block)) throw new TarFormatError('invalid tar header checksum (corrupted, or not a tar)');
      const flag = String.fromCharCode(block[156] as number);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        const size = numeric(block, 124, 12, 'size');
        const data = await readMeta(reader, size, flag === 'x' || flag === 'g' ? 'PAX header' : 'GNU long name');
        if (flag === 'x') pending.pax = parsePax(data);
        else if (flag === 'L') pending.longName = cString(data, 0, data.length);
        else if (flag === 'K') pending.longLink = cString(data, 0, data.length);
        continue;
      }
      const header = decodeHeader(block, pending);
      pending = {};
      await handleEntry(reader, header, onEntry);
    }
    finished = true;
    await reader.discardRest();
  } finally {
    if (!finished) await source.return?.();
  }
}

async function handleEntry(reader: ChunkReader, header: TarHeader, onEntry: TarEntryHandler): Promise<void> {
  let remaining = header.size;
  let closed = false;
  let inflight: Promise<Buffer | null> | undefined;
  const readSome = async (): Promise<Buffer | null> => {
    const bytes = await reader.some(remaining);
    if (bytes) remaining -= bytes.length;
    return bytes;
  };
  const content: EntryContent = {
    async *[Symbol.asyncIterator]() {
      while (remaining > 0 && !closed) {
        inflight = readSome();
        const bytes = await inflight;
        inflight = undefined;
        if (!bytes) throw new TarFormatError(`tar entry ${header.name} is truncated`);
        yield bytes;
      }
    },
  };
  try {
    await onEntry(header, content);
  } finally {
    closed = true;
  }
  if (inflight) await inflight;
  const rest = remaining + padding(header.size);
  if ((await reader.skip(rest)) < rest) throw new TarFormatError(`tar entry ${header.name} is truncated`);
}
