/**
 * Just enough ELF to find a named section and read bytes at a virtual address
 * (32/64-bit, little/big-endian). Every offset is bounds-checked: the input is
 * an untrusted file from an image.
 */

export const ELF_MAGIC = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]);
const SHT_NOBITS = 8;

export interface ElfSection {
  name: string;
  type: number;
  addr: bigint;
  offset: number;
  size: number;
}

export interface ElfFile {
  is64: boolean;
  littleEndian: boolean;
  sections: ElfSection[];
}

function readUint(buf: Buffer, offset: number, size: 2 | 4 | 8, little: boolean): bigint {
  if (offset < 0 || offset + size > buf.length) throw new Error('ELF: read past end of file');
  switch (size) {
    case 2:
      return BigInt(little ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset));
    case 4:
      return BigInt(little ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset));
    case 8:
      return little ? buf.readBigUInt64LE(offset) : buf.readBigUInt64BE(offset);
  }
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`ELF: ${what} out of range`);
  return Number(value);
}

function cString(buf: Buffer, offset: number): string {
  if (offset < 0 || offset >= buf.length) return '';
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

export function parseElf(buf: Buffer): ElfFile {
  if (buf.length < 52 || !buf.subarray(0, 4).equals(ELF_MAGIC)) throw new Error('not an ELF file');
  const is64 = buf[4] === 2;
  const littleEndian = buf[5] !== 2;
  const u = (offset: number, size: 2 | 4 | 8) => readUint(buf, offset, size, littleEndian);
  const word = is64 ? 8 : 4;
  const shoff = toSafeNumber(u(is64 ? 0x28 : 0x20, word), 'e_shoff');
  const shentsize = Number(u(is64 ? 0x3a : 0x2e, 2));
  const shnum = Number(u(is64 ? 0x3c : 0x30, 2));
  const shstrndx = Number(u(is64 ? 0x3e : 0x32, 2));
  if (shoff === 0 || shnum === 0) return { is64, littleEndian, sections: [] };
  if (shentsize < (is64 ? 64 : 40) || shoff + shnum * shentsize > buf.length) throw new Error('ELF: bad section table');

  const raw = Array.from({ length: shnum }, (_, i) => {
    const base = shoff + i * shentsize;
    return {
      nameOffset: Number(u(base, 4)),
      type: Number(u(base + 4, 4)),
      addr: u(base + (is64 ? 16 : 12), word),
      offset: toSafeNumber(u(base + (is64 ? 24 : 16), word), 'sh_offset'),
      size: toSafeNumber(u(base + (is64 ? 32 : 20), word), 'sh_size'),
    };
  });
  const names = raw[shstrndx];
  const sections = raw.map((s) => ({
    name: names ? cString(buf, names.offset + s.nameOffset) : '',
    type: s.type,
    addr: s.addr,
    offset: s.offset,
    size: s.size,
  }));
  return { is64, littleEndian, sections };
}

export function sectionData(buf: Buffer, section: ElfSection): Buffer {
  if (section.type === SHT_NOBITS) return Buffer.alloc(0);
  if (section.offset + section.size > buf.length) throw new Error(`ELF: section ${section.name} past end of file`);
  return buf.subarray(section.offset, section.offset + section.size);
}

/** Reads `length` bytes at virtual address `addr`, using the section that maps it. */
export function readAtAddress(buf: Buffer, elf: ElfFile, addr: bigint, length: number): Buffer {
  for (const section of elf.sections) {
    if (section.type === SHT_NOBITS || section.addr === 0n) continue;
    const end = section.addr + BigInt(section.size);
    if (addr >= section.addr && addr + BigInt(length) <= end) {
      const start = section.offset + Number(addr - section.addr);
      if (start + length > buf.length) break;
      return buf.subarray(start, start + length);
    }
  }
  throw new Error(`ELF: address 0x${addr.toString(16)} is not mapped from the file`);
}
