/**
 * An HTTP/1.1 GET for large bodies (blob downloads): the socket reads straight into big buffers
 * (net/tls `onread`), so a 512 MiB layer costs a few hundred reads and JavaScript callbacks instead
 * of thousands of 64 KiB ones through a parser and a stream pipeline. On loopback this moves bytes
 * at ~0.35 CPU-s/GB where undici's body stream costs ~1.7 (bench/core.ts shows both).
 * One connection per request (`Connection: close`): blobs are few and large, and the framing stays
 * simple. Everything else (manifests, tokens, HEADs) goes through undici.
 * Answers look like undici's `request` results: `statusCode`, `headers`, a `body` Readable with
 * `text()`, `json()` and `dump()`; timeouts and aborts fail with undici's error codes.
 */
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SlabPool } from '../buffers/slab-pool.js';

export interface BulkGetOptions {
  /** PEM CA bundle for https */
  ca?: string;
  rejectUnauthorized: boolean;
  /** connect, headers and body idle timeout, ms */
  timeout: number;
  signal?: AbortSignal;
  /**
   * Where read buffers come from (default: new 1 MiB buffers). Successive reads fill one slab; each
   * body chunk is a view of a slab holding its own count, released by whoever reads the body (see SlabPool).
   */
  pool?: SlabPool;
}

export interface BulkResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: BulkBody;
}

const READ_SIZE = 1024 * 1024;
/** a slab with less room than this left is not read into again */
const MIN_READ = 64 * 1024;
const MAX_HEAD = 64 * 1024;
/** what the socket may still read into once the answer is complete (nothing is read from it) */
const AFTER_END = Buffer.alloc(4096);
/** text()/json() read at most this much (error bodies, token answers) */
const MAX_TEXT = 4 * 1024 * 1024;

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The response body: Buffers as they arrive, with undici's helpers. Object mode, so a reader gets
 * each large read as it is instead of everything buffered concatenated (a copy per read).
 */
export class BulkBody extends Readable {
  constructor(private readonly onDemand: () => void, highWaterMark: number) {
    super({ objectMode: true, highWaterMark });
  }

  override _read(): void {
    this.onDemand();
  }

  async text(): Promise<string> {
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of this) {
      n += (c as Buffer).length;
      if (n > MAX_TEXT) { this.destroy(); throw new Error(`upstream body over ${MAX_TEXT} bytes`); }
      parts.push(c as Buffer);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async dump(): Promise<void> {
    this.destroy();
  }
}

/** Decodes `Transfer-Encoding: chunked` incrementally. */
class ChunkedDecoder {
  private size = -1; // bytes left in the current chunk; -1: reading a size line
  private line = '';
  private trailer = false;
  private crlf = 0; // CRLF bytes to skip after chunk data
  done = false;

  /** Feeds `data`; returns the payload slices in it. Throws on malformed framing. */
  feed(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < data.length && !this.done) {
      if (this.crlf > 0) { i++; this.crlf--; continue; }
      if (this.size > 0) {
        const n = Math.min(this.size, data.length - i);
        out.push(data.subarray(i, i + n));
        i += n;
        this.size -= n;
        if (this.size === 0) { this.crlf = 2; this.size = -1; }
        continue;
      }
      const nl = data.indexOf(10, i);
      const end = nl === -1 ? data.length : nl;
      this.line += data.toString('latin1', i, end);
      if (this.line.length > 4096) throw new Error('chunked encoding: line too long');
      i = end;
      if (nl === -1) break;
      i++;
      const line = this.line.replace(/\r$/, '');
      this.line = '';
      if (this.trailer) {
        if (line === '') this.done = true;
        continue;
      }
      const size = parseInt(line.split(';')[0]!.trim(), 16);
      if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]+/.test(line.trim())) throw new Error('chunked encoding: bad chunk size');
      if (size === 0) this.trailer = true;
      else this.size = size;
    }
    return out;
  }
}

interface Head { statusCode: number; headers: Record<string, string | string[] | undefined> }

function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`upstream sent a malformed status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string | string[] | undefined> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error('upstream sent a malformed header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { statusCode: Number(m[1]), headers };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * TLS sessions by host, port and trust settings: each blob GET is a new connection, and resuming the
 * last session saves a full handshake (e.g. for every layer from the same CDN host).
 */
const tlsSessions = new Map<string, Buffer>();
const MAX_TLS_SESSIONS = 256;

function tlsConnect(options: tls.ConnectionOptions): tls.TLSSocket {
  const key = `${options.host}:${options.port}:${options.servername ?? ''}:${options.rejectUnauthorized}:${options.ca ? createHash('sha256').update(String(options.ca)).digest('hex') : ''}`;
  const socket = tls.connect({ ...options, session: tlsSessions.get(key) });
  socket.on('session', (session: Buffer) => {
    tlsSessions.delete(key);
    if (tlsSessions.size >= MAX_TLS_SESSIONS) tlsSessions.delete(tlsSessions.keys().next().value!);
    tlsSessions.set(key, session);
  });
  return socket;
}

/** GETs `url` with `headers`; resolves once the response head arrived. */
export function bulkGet(url: string, headers: Record<string, string>, opts: BulkGetOptions): Promise<BulkResponse> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  if (!https && u.protocol !== 'http:') return Promise.reject(new Error(`unsupported scheme ${u.protocol}`));
  const readSize = opts.pool?.slabSize ?? READ_SIZE;
  const allocate = () => opts.pool?.allocate() ?? Buffer.allocUnsafeSlow(readSize);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || (https ? 443 : 80));

  return new Promise<BulkResponse>((resolve, reject) => {
    /** the slab reads go into: each read fills the next part, so slabs hold bytes densely */
    let slab: Buffer | undefined;
    let used = 0;
    let head: Buffer | undefined = Buffer.alloc(0);
    let body: BulkBody | undefined;
    let remaining = -1; // Content-Length bytes still expected; -1: unknown
    let chunked: ChunkedDecoder | undefined;
    let finished = false;
    /** the last onread callback returned false */
    let stopped = false;

    /** the buffer the socket reads into next (net asks for the next one right after each read) */
    const releaseSlab = () => {
      if (slab) opts.pool?.release(slab);
      slab = undefined;
    };
    const fail = (e: Error) => {
      if (finished) return;
      finished = true;
      releaseSlab();
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (body) body.destroy(e);
      else reject(e);
    };
    const end = () => {
      if (finished) return;
      finished = true;
      releaseSlab();
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      body!.push(null);
    };
    /** Pushes the payload in `data`; with `pooled`, each part pushed holds its own count of the slab. */
    const deliver = (data: Buffer, pooled = false): boolean => {
      const parts = chunked ? chunked.feed(data) : [data];
      let more = true;
      for (let p of parts) {
        if (remaining >= 0) {
          if (p.length > remaining) p = p.subarray(0, remaining);
          remaining -= p.length;
        }
        if (p.length === 0) continue;
        if (pooled) opts.pool!.take(p);
        more = body!.push(p) && more;
      }
      if (remaining === 0 || chunked?.done) end();
      return more;
    };
    const onHead = (data: Buffer): boolean => {
      head = Buffer.concat([head!, data]);
      const at = head.indexOf('\r\n\r\n');
      if (at === -1) {
        if (head.length > MAX_HEAD) fail(new Error('upstream response head is too large'));
        return true;
      }
      let parsed: Head;
      try {
        parsed = parseHead(head.toString('latin1', 0, at));
      } catch (e) {
        fail(e as Error);
        return false;
      }
      const rest = head.subarray(at + 4);
      if (parsed.statusCode >= 100 && parsed.statusCode < 200) { // informational: the real head follows
        head = Buffer.alloc(0);
        return rest.length > 0 ? onHead(rest) : true;
      }
      head = undefined;
      // onread returning false stops the handle's reads; read(0) starts them again (net's _read)
      body = new BulkBody(() => { if (!finished && stopped) { stopped = false; socket.read(0); } }, 4);
      body.on('close', () => { if (!finished) { finished = true; releaseSlab(); socket.destroy(); } });
      const te = single(parsed.headers['transfer-encoding']);
      if (te && te.toLowerCase() !== 'identity') {
        if (!/(^|,)\s*chunked\s*$/i.test(te)) { fail(new Error(`upstream sent an unsupported Transfer-Encoding: ${te}`)); return false; }
        chunked = new ChunkedDecoder();
      } else {
        const cl = single(parsed.headers['content-length']);
        if (cl !== undefined) {
          if (!/^\d+$/.test(cl)) { fail(new Error(`upstream sent a bad Content-Length: ${cl}`)); return false; }
          remaining = Number(cl);
        }
      }
      if (parsed.statusCode === 204 || parsed.statusCode === 304) remaining = 0;
      resolve({ ...parsed, body });
      if (remaining === 0) { end(); return false; }
      return rest.length > 0 ? deliver(Buffer.from(rest)) : true;
    };

    const onread = {
      // Reads go into the unused rest of the current slab (a fresh slab once less than MIN_READ is
      // left): bytes handed out are never overwritten, and a slab carries as many reads as fit.
      buffer: () => {
        if (finished) return AFTER_END;
        if (!slab || slab.length - used < MIN_READ) {
          if (slab) opts.pool?.release(slab); // the parts handed out hold their own counts
          slab = allocate();
          used = 0;
        }
        return slab.subarray(used);
      },
      callback: (n: number, buf: Buffer): boolean => {
        if (finished) return false;
        used += n;
        const data = buf.subarray(0, n);
        try {
          const more = head ? onHead(data) : deliver(data, opts.pool !== undefined);
          if (!more) stopped = true;
          return more;
        } catch (e) {
          fail(e as Error);
          return false;
        }
      },
    };
    const socket: net.Socket = https
      ? tlsConnect({ host, port, servername: net.isIP(host) ? undefined : host, ca: opts.ca, rejectUnauthorized: opts.rejectUnauthorized, onread } as tls.ConnectionOptions)
      : net.connect({ host, port, onread } as net.NetConnectOpts);
    socket.setNoDelay(true);
    socket.setTimeout(opts.timeout, () => fail(head
      ? codedError(`no answer from ${u.host} within ${opts.timeout} ms`, 'UND_ERR_HEADERS_TIMEOUT')
      : codedError(`no body bytes from ${u.host} for ${opts.timeout} ms`, 'UND_ERR_BODY_TIMEOUT')));
    socket.once(https ? 'secureConnect' : 'connect', () => {
      const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`, 'connection: close'];
      for (const [k, v] of Object.entries(headers)) {
        if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) return fail(new Error('header with a line break'));
        if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'connection') lines.push(`${k}: ${v}`);
      }
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
    socket.on('error', (e) => fail(e));
    socket.on('end', () => {
      if (finished) return;
      if (head) return fail(codedError(`upstream ${u.host} closed the connection before answering`, 'UND_ERR_SOCKET'));
      if (remaining > 0 || (chunked && !chunked.done)) return fail(codedError(`upstream ${u.host} closed the connection mid-body`, 'UND_ERR_SOCKET'));
      end();
    });
    socket.on('close', () => {
      if (!finished) fail(codedError(`upstream ${u.host} closed the connection`, 'UND_ERR_SOCKET'));
    });
    const onAbort = () => fail(Object.assign(new Error('the request was aborted'), { name: 'AbortError', code: 'UND_ERR_ABORTED' }));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
