/**
 * Go build information (what `go version -m` prints) from an ELF binary's
 * `.go.buildinfo` blob: the Go 1.18+ inline format and the older format that
 * holds pointers to Go string headers. Mirrors Go's debug/buildinfo.
 */
import { ELF_MAGIC, parseElf, readAtAddress, sectionData, type ElfFile } from './elf.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** runtime/debug.modinfo is wrapped in these 16-byte sentinels (cmd/go/internal/modload) */
const MODINFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const MODINFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const HEADER_SIZE = 32;
const MAX_STRING = 16 * 1024 * 1024;

export interface GoModule {
  path: string;
  version: string;
  replace?: GoModule;
}

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: GoModule;
  deps: GoModule[];
}

function readVarint(buf: Buffer, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < buf.length && shift < 35; i++) {
    const byte = buf[i] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  throw new Error('Go buildinfo: bad varint');
}

function inlineString(buf: Buffer, offset: number): { bytes: Buffer; next: number } {
  const { value, next } = readVarint(buf, offset);
  if (value > MAX_STRING || next + value > buf.length) throw new Error('Go buildinfo: string past end of data');
  return { bytes: buf.subarray(next, next + value), next: next + value };
}

function pointerString(file: Buffer, elf: ElfFile, ptrSize: number, little: boolean, addr: bigint): Buffer {
  const read = (b: Buffer) => (ptrSize === 8 ? (little ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0)) : BigInt(little ? b.readUInt32LE(0) : b.readUInt32BE(0)));
  const header = readAtAddress(file, elf, addr, 2 * ptrSize);
  const dataAddr = read(header);
  const length = read(header.subarray(ptrSize));
  if (length > BigInt(MAX_STRING)) throw new Error('Go buildinfo: string too long');
  if (length === 0n) return Buffer.alloc(0);
  return readAtAddress(file, elf, dataAddr, Number(length));
}

/** Sections only the Go linker writes; an ELF without any of them is not a Go program. */
const GO_SECTIONS = new Set(['.go.buildinfo', '.gopclntab', '.go.module', '.note.go.buildid', '.gosymtab']);

/** Finds the 16-byte aligned blob: the `.go.buildinfo` section, else a scan of the file. */
function findBlob(file: Buffer, elf: ElfFile): Buffer | undefined {
  const section = elf.sections.find((s) => s.name === '.go.buildinfo');
  if (section) {
    const data = sectionData(file, section);
    if (data.subarray(0, MAGIC.length).equals(MAGIC)) return data;
  }
  for (let at = file.indexOf(MAGIC); at >= 0; at = file.indexOf(MAGIC, at + 1)) {
    if (at % 16 === 0 && at + HEADER_SIZE <= file.length) return file.subarray(at);
  }
  return undefined;
}

/** Strips the 16-byte sentinels Go wraps runtime/debug.modinfo in. */
function unwrapModinfo(mod: Buffer): string {
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) return mod.toString('utf8', 16, mod.length - 16);
  return '';
}

export function parseModinfo(modinfo: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { deps: [] };
  let last: GoModule | undefined;
  for (const line of modinfo.split('\n')) {
    const [kind, path = '', version = ''] = line.split('\t');
    if (kind === 'path') info.path = path;
    else if (kind === 'mod' || kind === 'dep') {
      last = { path, version };
      if (kind === 'mod') info.main = last;
      else info.deps.push(last);
    } else if (kind === '=>' && last) {
      last.replace = { path, version };
    }
  }
  return info;
}

/**
 * Some release pipelines remove the build info header but leave
 * runtime/debug.modinfo in place: read the modules between its sentinels.
 * The Go version is then unknown ('').
 */
function modinfoWithoutHeader(file: Buffer): GoBuildInfo | undefined {
  const start = file.indexOf(MODINFO_START);
  if (start < 0) return undefined;
  const end = file.indexOf(MODINFO_END, start + MODINFO_START.length);
  if (end < 0 || end - start > MAX_STRING) return undefined;
  return { goVersion: '', ...parseModinfo(file.toString('utf8', start + MODINFO_START.length, end)) };
}

function elfOrEmpty(file: Buffer): ElfFile | undefined {
  if (file.length < 4 || !file.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  try {
    return parseElf(file);
  } catch {
    // a damaged section table: fall back to scanning the bytes
    return { is64: file[4] === 2, littleEndian: file[5] !== 2, sections: [] };
  }
}

export function readGoBuildInfo(file: Buffer): GoBuildInfo | undefined {
  const elf = elfOrEmpty(file);
  if (!elf) return undefined;
  // skip the byte scans for ELF files that carry section headers but no Go section
  if (elf.sections.length > 0 && !elf.sections.some((s) => GO_SECTIONS.has(s.name))) return undefined;
  const blob = findBlob(file, elf);
  if (!blob) return modinfoWithoutHeader(file);
  if (blob.length < HEADER_SIZE) return undefined;
  const ptrSize = blob[14] as number;
  const flags = blob[15] as number;
  let goVersion: string;
  let modinfo: Buffer;
  if (flags & 2) {
    const version = inlineString(blob, HEADER_SIZE);
    goVersion = version.bytes.toString('utf8');
    modinfo = inlineString(blob, version.next).bytes;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw new Error(`Go buildinfo: bad pointer size ${ptrSize}`);
    const little = flags === 0;
    const ptr = (offset: number) => (ptrSize === 8 ? (little ? blob.readBigUInt64LE(offset) : blob.readBigUInt64BE(offset)) : BigInt(little ? blob.readUInt32LE(offset) : blob.readUInt32BE(offset)));
    goVersion = pointerString(file, elf, ptrSize, little, ptr(16)).toString('utf8');
    modinfo = pointerString(file, elf, ptrSize, little, ptr(16 + ptrSize));
  }
  if (!goVersion) return undefined;
  return { goVersion, ...parseModinfo(unwrapModinfo(modinfo)) };
}
