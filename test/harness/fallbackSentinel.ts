/**
 * A loopback listener used as the *fallback* upstream of containerd / podman
 * mirror configurations (hosts.toml `server`, registries.conf `location`).
 *
 * Clients fall back to that address when the mirror answers 404 or errors; with
 * the real `registry-1.docker.io` that means a DNS query and a connection attempt
 * leaving the machine. The sentinel instead accepts each connection, records it
 * and resets it at once, so the client fails fast, nothing leaves 127.0.0.1, and
 * tests can assert `connections.length === 0` ("the mirror served everything").
 */
import net from 'node:net';

export interface FallbackSentinel {
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly hostPort: string;
  /** Time of every connection that reached the sentinel. */
  readonly connections: Date[];
  stop(): Promise<void>;
}

export interface FallbackSentinelOptions {
  /**
   * 'reset' (default): TCP RST on accept. 'http-404': read the request, answer
   * `404 NAME_UNKNOWN` and close (an HTTP-level, non-network failure).
   */
  mode?: 'reset' | 'http-404';
}

const NOT_FOUND_BODY = JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'fallback sentinel: not served' }] });
const NOT_FOUND =
  'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nDocker-Distribution-Api-Version: registry/2.0\r\n' +
  `Content-Length: ${NOT_FOUND_BODY.length}\r\nConnection: close\r\n\r\n${NOT_FOUND_BODY}`;

export async function startFallbackSentinel(options: FallbackSentinelOptions = {}): Promise<FallbackSentinel> {
  const connections: Date[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.push(new Date());
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (options.mode === 'http-404') socket.once('data', () => socket.end(NOT_FOUND));
    else socket.resetAndDestroy();
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    connections,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
