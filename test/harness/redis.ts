/**
 * redis-server on 127.0.0.1:<free port> without persistence. kill() SIGKILLs
 * it (for "Redis died mid-test"); restart() starts a fresh, empty server on the
 * same port.
 */
import net from 'node:net';
import { freePort } from './ports.js';
import { makeTempDir } from './tempDir.js';
import { startProcess, type StartedProcess } from './process.js';

export interface Redis {
  readonly port: number;
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  /** Current server process (changes on restart). */
  readonly process: StartedProcess;
  isRunning(): boolean;
  /** SIGKILL, no shutdown. */
  kill(): Promise<void>;
  /** Kill if running, then start again on the same port (data is gone: no persistence). */
  restart(): Promise<void>;
  /** Stop the server and remove its temp dir. */
  stop(): Promise<void>;
}

/** Sends PING until +PONG comes back (polls every 25 ms). */
async function waitForPong(port: number, proc: StartedProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning()) throw new Error(`redis-server exited while starting:\n${proc.output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let data = '';
      const finish = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (c) => {
        data += c.toString();
        if (data.includes('\r\n')) finish(data.startsWith('+PONG'));
      });
      socket.once('error', () => finish(false));
      socket.setTimeout(1_000, () => finish(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedis(): Promise<Redis> {
  const dir = await makeTempDir('redis');
  const port = await freePort();
  const launch = async () => {
    const proc = startProcess(
      'redis-server',
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--save', '',
        '--appendonly', 'no',
        '--dir', dir.path,
        '--daemonize', 'no',
        '--logfile', '',
        '--loglevel', 'warning',
      ],
      { name: `redis-server:${port}` },
    );
    await waitForPong(port, proc);
    return proc;
  };
  let current = await launch().catch(async (error: unknown) => {
    await dir.stop();
    throw error;
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get process() {
      return current;
    },
    isRunning: () => current.isRunning(),
    kill: async () => {
      await current.kill();
    },
    restart: async () => {
      await current.kill();
      current = await launch();
    },
    stop: async () => {
      await current.stop();
      await dir.stop();
    },
  };
}
