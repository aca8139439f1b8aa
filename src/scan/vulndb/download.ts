/**
 * Streams an http(s) URL to a file (never buffering it in memory). A short
 * body (connection closed early, Content-Length not reached) is an error.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** called as bytes arrive (throttled to about one call per MiB) */
  onBytes?: (received: number, total: number | undefined) => void;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
}

/** `https://user:secret@host/x.zip` → `https://host/x.zip`, for logs and status. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

export async function downloadToFile(url: string, destination: string, opts: DownloadOptions = {}): Promise<number> {
  let response: Response;
  try {
    const { href, headers } = splitCredentials(url);
    response = await fetch(href, { signal: opts.signal, redirect: 'follow', headers });
  } catch (err) {
    throw new DownloadError(`GET ${redactUrl(url)}: ${describe(err)}`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    throw new DownloadError(`GET ${redactUrl(url)}: HTTP ${response.status}`);
  }
  const lengthHeader = response.headers.get('content-length');
  const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  let received = 0;
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (opts.onBytes && received - reported >= 1 << 20) {
        reported = received;
        opts.onBytes(received, total);
      }
      callback(null, chunk);
    },
  });
  try {
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    await pipeline(body, counter, createWriteStream(destination), { signal: opts.signal });
  } catch (err) {
    throw new DownloadError(`GET ${redactUrl(url)}: download interrupted after ${received} bytes: ${describe(err)}`);
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(`GET ${redactUrl(url)}: got ${received} of ${total} bytes`);
  }
  opts.onBytes?.(received, total);
  return received;
}

/** fetch refuses `user:pass@` in URLs: send them as HTTP Basic credentials instead. */
function splitCredentials(url: string): { href: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { href: url, headers: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { href: u.toString(), headers: { authorization: `Basic ${basic}` } };
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return [e.message, e.cause?.message].filter(Boolean).join(': ') || String(err);
}
