/** Bounded polling waits (25 ms interval) for ports, unix sockets and HTTP endpoints. */
import net from 'node:net';
import { stat } from 'node:fs/promises';
import type { StartedProcess } from './process.js';

/** Rejects if the optional process dies first; used to fail fast while polling. */
function raceWithExit<T>(promise: Promise<T>, proc?: StartedProcess): Promise<T> {
  if (!proc) return promise;
  return Promise.race([
    promise,
    proc.exited.then((info) => {
      throw new Error(`${proc.name} exited (code ${info.code}, signal ${info.signal}) while waiting:\n${proc.output().slice(-4000)}`);
    }),
  ]);
}

async function pollUntil(description: string, attempt: () => Promise<boolean>, timeoutMs: number, intervalMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function canConnect(options: net.NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(options);
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.setTimeout(1_000, () => finish(false));
  });
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Fail immediately if this process exits while waiting. */
  process?: StartedProcess;
}

/** Polls (every 25 ms) until a TCP connection to host:port succeeds. */
export function waitForPort(port: number, options: WaitOptions & { host?: string } = {}): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  return raceWithExit(
    pollUntil(`${host}:${port}`, () => canConnect({ host, port }), options.timeoutMs ?? 15_000, 25),
    options.process,
  );
}

/** Polls until a unix socket exists and accepts connections. */
export function waitForUnixSocket(path: string, options: WaitOptions = {}): Promise<void> {
  return raceWithExit(
    pollUntil(
      path,
      async () => {
        const s = await stat(path).catch(() => undefined);
        return s?.isSocket() === true && (await canConnect({ path }));
      },
      options.timeoutMs ?? 15_000,
      25,
    ),
    options.process,
  );
}

/** Polls until `url` answers with any HTTP status accepted by `accept` (default: any status). */
export function waitForHttp(
  url: string,
  options: WaitOptions & { accept?: (status: number) => boolean } = {},
): Promise<void> {
  const accept = options.accept ?? (() => true);
  return raceWithExit(
    pollUntil(
      url,
      async () => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
          await res.arrayBuffer();
          return accept(res.status);
        } catch {
          return false;
        }
      },
      options.timeoutMs ?? 15_000,
      25,
    ),
    options.process,
  );
}
