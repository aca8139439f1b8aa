/**
 * Where each caching peer keeps a cached blob, and waiting for it to be there: both distribution's
 * proxy and the gateway (when its disk falls behind the client) fill their cache with a second
 * upstream GET after a cold one, so a "warm" measurement waits until the cache holds the blob.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

const hexOf = (digest: string) => digest.slice(digest.indexOf(':') + 1);

/** The gateway's cache file (storage.path/blobs/<algorithm>/<hex>). */
export function gatewayCacheFile(storagePath: string, digest: string): string {
  return path.join(storagePath, 'blobs', digest.slice(0, digest.indexOf(':')), hexOf(digest));
}

/** distribution's blob data file under its filesystem storage root. */
export function distributionCacheFile(storageDir: string, digest: string): string {
  const hex = hexOf(digest);
  return path.join(storageDir, 'docker/registry/v2/blobs', digest.slice(0, digest.indexOf(':')), hex.slice(0, 2), hex, 'data');
}

/** Seconds until `file` exists with `size` bytes (polled), at most `limit` seconds. */
export async function fileSettles(file: string, size: number, limit = 60): Promise<number> {
  const started = performance.now();
  for (;;) {
    const s = await stat(file).catch(() => undefined);
    const seconds = (performance.now() - started) / 1000;
    if (s?.size === size) return seconds;
    if (seconds > limit) throw new Error(`${file} did not reach ${size} bytes within ${limit} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
