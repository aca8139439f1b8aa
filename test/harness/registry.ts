/**
 * The real CNCF distribution registry (Debian `docker-registry`, 2.8) as a test
 * upstream, on 127.0.0.1 with its own config and storage.
 */
import { writeFile } from 'node:fs/promises';
import YAML from 'yaml';
import { freePort } from './ports.js';
import { makeTempDir } from './tempDir.js';
import { startProcess, type StartedProcess } from './process.js';
import { waitForHttp } from './waitFor.js';
import { startTokenIssuer, type TokenIssuer, type TokenIssuerOptions } from './tokenIssuer.js';

export interface RegistryOptions {
  /** 'token': distribution's `auth: token` backed by an in-process token issuer. */
  auth?: 'token';
  /** Options for the token issuer (users, grant policy, ...). */
  tokenIssuer?: TokenIssuerOptions;
  /** Pull-through cache mode (`proxy.remoteurl`); the registry is then read-only. */
  proxyRemoteUrl?: string;
  /** Credentials the proxy uses towards proxyRemoteUrl. */
  proxyCredentials?: { username: string; password: string };
  /** Registry log level (default 'warn'). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

export interface Registry {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** 127.0.0.1:PORT (for image references and mirror configs) */
  readonly hostPort: string;
  readonly port: number;
  /** Storage root (storage.filesystem.rootdirectory). */
  readonly storageDir: string;
  readonly configPath: string;
  /** Present when auth: 'token'. */
  readonly tokenIssuer?: TokenIssuer;
  /** A user/password accepted by the token issuer (when auth: 'token'). */
  readonly credentials?: { username: string; password: string };
  readonly process: StartedProcess;
  stop(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const dir = await makeTempDir('registry');
  const port = await freePort();
  let tokenIssuer: TokenIssuer | undefined;
  let proc: StartedProcess | undefined;
  const cleanup = async () => {
    await proc?.stop();
    await tokenIssuer?.stop();
    await dir.stop();
  };
  try {
    const config: Record<string, unknown> = {
      version: 0.1,
      log: { level: options.logLevel ?? 'warn', accesslog: { disabled: true }, formatter: 'text' },
      storage: {
        filesystem: { rootdirectory: dir.join('storage') },
        delete: { enabled: true },
        cache: { blobdescriptor: 'inmemory' },
      },
      http: { addr: `127.0.0.1:${port}`, secret: 'portcullis-test-secret' },
      health: { storagedriver: { enabled: false } },
    };
    if (options.auth === 'token') {
      tokenIssuer = await startTokenIssuer(options.tokenIssuer);
      config.auth = {
        token: {
          realm: tokenIssuer.realm,
          service: tokenIssuer.service,
          issuer: tokenIssuer.issuer,
          rootcertbundle: tokenIssuer.rootCertBundlePath,
        },
      };
    }
    if (options.proxyRemoteUrl) {
      config.proxy = {
        remoteurl: options.proxyRemoteUrl,
        ...(options.proxyCredentials ?? {}),
      };
    }
    const configPath = dir.join('config.yml');
    await writeFile(configPath, YAML.stringify(config));
    proc = startProcess('docker-registry', ['serve', configPath], { name: `docker-registry:${port}` });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/v2/`, { process: proc, timeoutMs: 15_000 });
    const [username, password] = tokenIssuer ? Object.entries(tokenIssuer.users)[0] ?? [] : [];
    return {
      url,
      hostPort: `127.0.0.1:${port}`,
      port,
      storageDir: dir.join('storage'),
      configPath,
      tokenIssuer,
      credentials: username !== undefined && password !== undefined ? { username, password } : undefined,
      process: proc,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
