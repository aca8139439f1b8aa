/**
 * Berkeley DB hash database (`var/lib/rpm/Packages`, rpm < 4.16): walks the
 * hash pages and follows each off-page value through its overflow pages.
 * Only what rpm writes is supported (hash access method, values off-page).
 */

const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASH = 13;
const H_OFFPAGE = 3;
const MAX_VALUE = 64 * 1024 * 1024;

export function readBdbHeaderBlobs(bytes: Buffer): Buffer[] {
  if (bytes.length < 512) throw new Error('Berkeley DB: too short');
  const little = bytes.readUInt32LE(12) === HASH_MAGIC;
  if (!little && bytes.readUInt32BE(12) !== HASH_MAGIC) throw new Error('not a Berkeley DB hash database');
  const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new Error('Berkeley DB: bad page size');
  const pageCount = Math.floor(bytes.length / pageSize);

  const readOverflow = (firstPage: number, totalLength: number): Buffer => {
    if (totalLength > MAX_VALUE) throw new Error('Berkeley DB: value too large');
    const parts: Buffer[] = [];
    let length = 0;
    const seen = new Set<number>();
    for (let pgno = firstPage; pgno !== 0 && length < totalLength; ) {
      if (pgno >= pageCount || seen.has(pgno)) throw new Error('Berkeley DB: bad overflow chain');
      seen.add(pgno);
      const page = pgno * pageSize;
      if (bytes[page + 25] !== P_OVERFLOW) throw new Error('Berkeley DB: expected an overflow page');
      const used = Math.min(u16(page + 22), pageSize - PAGE_HEADER);
      parts.push(bytes.subarray(page + PAGE_HEADER, page + PAGE_HEADER + used));
      length += used;
      pgno = u32(page + 16);
    }
    if (length < totalLength) throw new Error('Berkeley DB: overflow chain too short');
    return Buffer.concat(parts, length).subarray(0, totalLength);
  };

  const values: Buffer[] = [];
  for (let pgno = 1; pgno < pageCount; pgno++) {
    const page = pgno * pageSize;
    const type = bytes[page + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(page + 20);
    // entries alternate key, value; the index of item offsets follows the page header
    for (let i = 1; i < entries; i += 2) {
      const indexAt = page + PAGE_HEADER + i * 2;
      if (indexAt + 2 > page + pageSize) break;
      const item = page + u16(indexAt);
      if (item + 12 > page + pageSize || bytes[item] !== H_OFFPAGE) continue;
      values.push(readOverflow(u32(item + 4), u32(item + 8)));
    }
  }
  return values;
}
