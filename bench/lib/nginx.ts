/**
 * nginx as a plain reverse proxy (no cache) in front of a registry: a benchmark peer. Runs in the
 * foreground (`daemon off`) with its config, pid file, logs and temp paths in its own temp dir.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { freePort } from '../../test/harness/ports.js';
import { startProcess, type StartedProcess } from '../../test/harness/process.js';
import { makeTempDir } from '../../test/harness/tempDir.js';
import { waitForHttp } from '../../test/harness/waitFor.js';

export interface Nginx {
  readonly url: string;
  readonly process: StartedProcess;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** upstream base URL, e.g. http://127.0.0.1:5000 */
  upstreamUrl: string;
  /** proxy_buffering on (nginx reads ahead of a slow client into memory/temp files) or off */
  buffering: boolean;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const dir = await makeTempDir('nginx');
  const port = await freePort();
  const upstream = new URL(options.upstreamUrl).host;
  const conf = `daemon off;
worker_processes auto;
pid ${dir.join('nginx.pid')};
error_log ${dir.join('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir.join('body')};
  proxy_temp_path ${dir.join('proxy')};
  fastcgi_temp_path ${dir.join('fastcgi')};
  uwsgi_temp_path ${dir.join('uwsgi')};
  scgi_temp_path ${dir.join('scgi')};
  upstream registry { server ${upstream}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://registry;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering ${options.buffering ? 'on' : 'off'};
    }
  }
}
`;
  await writeFile(dir.join('nginx.conf'), conf);
  // Workers run as nobody when the master is root: they must reach the temp paths (buffering spills there).
  await chmod(dir.path, 0o755);
  const proc = startProcess('nginx', ['-p', dir.path, '-c', dir.join('nginx.conf'), '-e', dir.join('error.log')], { name: `nginx:${port}` });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/v2/`, { process: proc, timeoutMs: 10_000 });
  } catch (error) {
    await proc.stop();
    await dir.stop();
    throw error;
  }
  return {
    url,
    process: proc,
    stop: async () => {
      await proc.stop();
      await dir.stop();
    },
  };
}
