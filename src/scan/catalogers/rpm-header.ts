/**
 * The RPM header as stored in rpmdb (no lead, no header magic):
 * int32 index count, int32 data size, 16-byte index entries
 * {tag, type, offset, count}, then the data store. Big-endian throughout.
 */
import type { RawPackage } from './cataloger.js';

const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022, sourceRpm: 1044 } as const;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_I18NSTRING = 9;
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

interface Entry {
  type: number;
  offset: number;
  count: number;
}

export function readHeaderTags(blob: Buffer): { string(tag: number): string | undefined; int32(tag: number): number | undefined } {
  if (blob.length < 8) throw new Error('rpm header: too short');
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il === 0 || il > MAX_INDEX_ENTRIES || dl > MAX_DATA) throw new Error('rpm header: bad sizes');
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.length) throw new Error('rpm header: truncated');
  const data = blob.subarray(dataStart, dataStart + dl);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    if (!entries.has(tag)) entries.set(tag, { type: blob.readUInt32BE(at + 4), offset: blob.readInt32BE(at + 8), count: blob.readUInt32BE(at + 12) });
  }
  return {
    string(tag) {
      const entry = entries.get(tag);
      if (!entry || (entry.type !== TYPE_STRING && entry.type !== TYPE_I18NSTRING)) return undefined;
      if (entry.offset < 0 || entry.offset >= data.length) throw new Error(`rpm header: tag ${tag} out of bounds`);
      const end = data.indexOf(0, entry.offset);
      if (end < 0) throw new Error(`rpm header: tag ${tag} not terminated`);
      return data.toString('utf8', entry.offset, end);
    },
    int32(tag) {
      const entry = entries.get(tag);
      if (!entry || entry.type !== TYPE_INT32 || entry.count < 1) return undefined;
      if (entry.offset < 0 || entry.offset + 4 > data.length) throw new Error(`rpm header: tag ${tag} out of bounds`);
      return data.readInt32BE(entry.offset);
    },
  };
}

/** `openssl-3.0.7-24.el9.src.rpm` → { name: openssl, versionRelease: 3.0.7-24.el9 } */
export function parseSourceRpm(sourceRpm: string | undefined): { name: string; versionRelease: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourceRpm ?? '');
  return match ? { name: match[1] as string, versionRelease: `${match[2]}-${match[3]}` } : undefined;
}

/** One installed package from one header blob; gpg-pubkey pseudo-packages give undefined. */
export function packageFromHeader(blob: Buffer): RawPackage | undefined {
  const tags = readHeaderTags(blob);
  const name = tags.string(TAG.name);
  const version = tags.string(TAG.version);
  const release = tags.string(TAG.release);
  if (!name || !version || name === 'gpg-pubkey') return undefined;
  const epoch = tags.int32(TAG.epoch);
  const versionRelease = release ? `${version}-${release}` : version;
  const prefix = epoch ? `${epoch}:` : '';
  const source = parseSourceRpm(tags.string(TAG.sourceRpm));
  const arch = tags.string(TAG.arch);
  return {
    name,
    version: `${prefix}${versionRelease}`,
    kind: 'rpm',
    source: source?.name ?? name,
    sourceVersion: `${prefix}${source?.versionRelease ?? versionRelease}`,
    ...(arch ? { arch } : {}),
    ...(epoch ? { epoch } : {}),
  };
}
