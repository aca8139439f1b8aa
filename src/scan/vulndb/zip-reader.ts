/**
 * A small random-access zip reader (central directory, ZIP64, stored/deflate,
 * CRC-checked) for OSV `all.zip` bulk downloads. Entries are read one at a
 * time, so memory stays at the central directory plus one record.
 *
 * Anything structurally wrong (truncated file, bad signature, CRC mismatch)
 * throws `ZipFormatError`: a damaged archive must fail the import as a whole.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_EOCD_SEARCH = 22 + 0xffff;

export class ZipReader {
  readonly entries: ZipEntry[];
  private readonly fd: number;
  private readonly size: number;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
      this.entries = this.readCentralDirectory();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** The uncompressed bytes of an entry; `maxBytes` guards against zip bombs. */
  read(entry: ZipEntry, maxBytes = 64 * 1024 * 1024): Buffer {
    if (entry.uncompressedSize > maxBytes) throw new ZipFormatError(`${entry.name}: ${entry.uncompressedSize} bytes is over the ${maxBytes}-byte limit`);
    const local = this.bytes(entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIG) throw new ZipFormatError(`${entry.name}: bad local header`);
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = this.bytes(dataStart, entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
      } catch (err) {
        throw new ZipFormatError(`${entry.name}: ${(err as Error).message}`);
      }
    } else throw new ZipFormatError(`${entry.name}: unsupported compression method ${entry.method}`);
    if (data.length !== entry.uncompressedSize || crc32(data) !== entry.crc32) throw new ZipFormatError(`${entry.name}: CRC or size mismatch`);
    return data;
  }

  close(): void {
    closeSync(this.fd);
  }

  private bytes(position: number, length: number): Buffer {
    if (position < 0 || position + length > this.size) throw new ZipFormatError('archive is truncated');
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new ZipFormatError('archive is truncated');
      done += n;
    }
    return buf;
  }

  private readCentralDirectory(): ZipEntry[] {
    const tailLength = Math.min(this.size, MAX_EOCD_SEARCH);
    const tail = this.bytes(this.size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG && i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipFormatError('not a zip file, or truncated (no end-of-central-directory record)');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    const locatorAt = this.size - tailLength + eocd - 20;
    const locator = locatorAt >= 0 ? this.bytes(locatorAt, 20) : undefined;
    if (locator?.readUInt32LE(0) === ZIP64_LOCATOR_SIG) {
      const zip64 = this.bytes(Number(locator.readBigUInt64LE(8)), 56);
      if (zip64.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new ZipFormatError('bad ZIP64 end record');
      count = Number(zip64.readBigUInt64LE(32));
      cdSize = Number(zip64.readBigUInt64LE(40));
      cdOffset = Number(zip64.readBigUInt64LE(48));
    }
    const cd = this.bytes(cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipFormatError('bad central directory');
      const flags = cd.readUInt16LE(p + 8);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength);
      const entry: ZipEntry = {
        name,
        method: cd.readUInt16LE(p + 10),
        crc32: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        uncompressedSize: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      };
      applyZip64Extra(entry, cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
      if (flags & 0x1) throw new ZipFormatError(`${name}: encrypted entries are not supported`);
      entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }
}

function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  for (let q = 0; q + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(q);
    const size = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      const next = (): number => {
        if (r + 8 > q + 4 + size) throw new ZipFormatError(`${entry.name}: short ZIP64 extra field`);
        const v = Number(extra.readBigUInt64LE(r));
        r += 8;
        return v;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    q += 4 + size;
  }
}
