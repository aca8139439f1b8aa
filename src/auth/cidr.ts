/**
 * IP addresses and CIDR ranges, IPv4 and IPv6. Every address is held as 16 bytes; IPv4 becomes the
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), so `10.0.0.0/8` also matches `::ffff:10.1.2.3` as seen
 * on dual-stack sockets, and an IPv4 range is an IPv6 range with 96 more prefix bits.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  text: string;
  bytes: Uint8Array;
  prefix: number; // 0..128
}

function parseV4(s: string): Uint8Array | undefined {
  if (!isIPv4(s)) return undefined;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  s.split('.').forEach((p, i) => { out[12 + i] = Number(p); });
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  const out = new Uint8Array(16);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let tailBytes: number[] = [];
  if (tail.includes('.')) { // embedded IPv4: ::ffff:1.2.3.4
    tailBytes = tail.split('.').map(Number);
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  if (groups.length !== 8) return undefined;
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tailBytes.length === 4) out.set(tailBytes, 12);
  return out;
}

/** 16-byte form of an IPv4 or IPv6 address (zone ids like %eth0 ignored), or undefined. */
export function parseIp(address: string): Uint8Array | undefined {
  const s = address.trim();
  const zone = s.indexOf('%');
  const bare = zone === -1 ? s : s.slice(0, zone);
  return parseV4(bare) ?? parseV6(bare.replace(/^\[|\]$/g, ''));
}

export class CidrError extends Error {}

/** "10.0.0.0/8", "2001:db8::/32", "::ffff:0:0/96", or a single address (full-length prefix). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const v4 = isIPv4(addr);
  const bytes = parseIp(addr);
  if (!bytes || addr.includes('%')) throw new CidrError(`invalid CIDR ${JSON.stringify(text)}: expected an IPv4 or IPv6 address with an optional /prefix`);
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new CidrError(`invalid CIDR ${JSON.stringify(text)}: prefix must be 0..${max}`);
    prefix = Number(p);
  }
  return { text, bytes, prefix: v4 ? prefix + 96 : prefix };
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  const full = c.prefix >> 3;
  for (let i = 0; i < full; i++) if (c.bytes[i] !== ip[i]) return false;
  const bits = c.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (c.bytes[full]! & mask) === (ip[full]! & mask);
}

/** A set of CIDR ranges; `contains` answers for any address text (false when it is not an address). */
export class CidrSet {
  readonly ranges: Cidr[];
  constructor(texts: readonly string[]) {
    this.ranges = texts.map(parseCidr);
  }
  get empty(): boolean {
    return this.ranges.length === 0;
  }
  contains(address: string | undefined): boolean {
    if (!address) return false;
    const ip = parseIp(address);
    return ip !== undefined && this.ranges.some((r) => cidrContains(r, ip));
  }
}
