/**
 * The client address of a request. `X-Forwarded-For` is believed only when the connection comes from
 * one of `server.trustedProxies`; then the list is read right to left, skipping trusted proxies, and
 * the first other entry is the client. An entry that is not an IP address stops the walk and is
 * returned as is (it then matches no CIDR: fail closed).
 */
import type { CidrSet } from './cidr.js';
import { parseIp } from './cidr.js';

/** `::ffff:1.2.3.4` → `1.2.3.4`, for logs and rate-limit keys. */
export function displayIp(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export function clientIp(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: CidrSet): string {
  const peer = socketAddress ?? '';
  if (trusted.empty || !forwardedFor || !trusted.contains(peer)) return displayIp(peer);
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.slice(0, 100);
    if (parseIp(hop) === undefined) return hop;
    if (!trusted.contains(hop)) return displayIp(hop);
  }
  // every hop is a trusted proxy: the leftmost is the furthest we know
  return hops.length > 0 ? displayIp(hops[0]!) : displayIp(peer);
}
