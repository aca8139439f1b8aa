/**
 * A minimal Node.js reverse proxy (undici request → response, no cache, no digest check): a
 * calibration peer that shows what the runtime alone costs per byte on this machine, next to the
 * gateway (which adds the digest check, the cache file and sharing) and Go peers.
 */
import { startProcess, type StartedProcess } from '../../test/harness/process.js';

const UNDICI = import.meta.resolve('undici');

const SOURCE = `
import http from 'node:http';
import { Agent, request } from ${JSON.stringify(UNDICI)};
const upstream = process.argv[1];
const agent = new Agent({ connections: 64 });
const server = http.createServer(async (req, res) => {
  try {
    const up = await request(upstream + req.url, { method: req.method, headers: { accept: req.headers.accept ?? '*/*' }, dispatcher: agent });
    const headers = {};
    for (const k of ['content-type', 'content-length', 'docker-content-digest']) if (up.headers[k]) headers[k] = up.headers[k];
    res.writeHead(up.statusCode, headers);
    up.body.pipe(res);
  } catch (e) { res.destroy(e); }
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', url: 'http://127.0.0.1:' + server.address().port })));
process.once('SIGTERM', () => { server.close(); server.closeAllConnections(); agent.close(); });
`;

export interface NodeProxy {
  readonly url: string;
  readonly process: StartedProcess;
  stop(): Promise<void>;
}

export async function startNodeProxy(upstreamUrl: string): Promise<NodeProxy> {
  const proc = startProcess(process.execPath, ['--input-type=module', '-e', SOURCE, upstreamUrl], { name: 'node pipe proxy' });
  const m = await proc.waitForOutput(/"url":"([^"]+)"/, 10_000);
  return { url: m[1]!, process: proc, stop: async () => { await proc.stop(); } };
}
