/**
 * The real podman (4.3) pulling through a mirror, fully isolated from the host:
 * temp registries.conf (docker.io → loopback fallback sentinel, mirror → the
 * gateway), containers.conf, storage.conf (vfs driver, temp graphroot/runroot),
 * policy.json and auth file.
 *
 * Note: containers/image still reads the drop-in dir
 * /etc/containers/registries.conf.d (Debian ships only short-name aliases there,
 * which do not apply to fully qualified references).
 */
import { writeFile } from 'node:fs/promises';
import { makeTempDir } from './tempDir.js';
import { runCommand, type RunResult } from './process.js';
import { startFallbackSentinel } from './fallbackSentinel.js';

export interface PodmanPullOptions {
  /** Mirror `host:port` (the gateway under test), e.g. `127.0.0.1:5000`. Plain HTTP (insecure=true). */
  mirrorHostPort: string;
  /** Registry prefix the mirror is configured for. Default 'docker.io'. */
  prefix?: string;
  /**
   * Credentials for the mirror. Written to the temp auth file under the mirror's
   * host:port: containers/image deliberately never sends `--creds` to mirrors
   * (only to the primary location), it looks mirrors up in the auth file.
   */
  creds?: string | { username: string; password: string };
  /** `--platform os/arch[/variant]`. */
  platform?: string;
  /** `--tls-verify`; default false. */
  tlsVerify?: boolean;
  /** Main `location` for the prefix; default a fresh loopback fallback sentinel. */
  fallbackHostPort?: string;
  /**
   * How the default fallback sentinel fails requests (see fallbackSentinel.ts).
   * Default 'http-404': with 'reset', containers/image treats the network error
   * as retryable and retries 3 times 1 s apart (a failed pull takes ~3.1 s
   * instead of ~70 ms).
   */
  fallbackMode?: 'reset' | 'http-404';
  /** Reuse this storage dir (graphroot/runroot inside); default a temp dir removed afterwards. */
  storageDir?: string;
  timeoutMs?: number;
  debug?: boolean;
}

export interface PodmanPullResult extends RunResult {
  registriesConf: string;
  /** Connections that reached the fallback sentinel (0 = the mirror served everything). */
  fallbackConnections: number;
  /** Image ID printed by `podman pull` (config digest hex), when it succeeded. */
  imageId?: string;
}

export function registriesConf(prefix: string, fallbackHostPort: string, mirrorHostPort: string): string {
  return `unqualified-search-registries = []

[[registry]]
prefix = ${JSON.stringify(prefix)}
location = ${JSON.stringify(fallbackHostPort)}
insecure = true

[[registry.mirror]]
location = ${JSON.stringify(mirrorHostPort)}
insecure = true
`;
}

/** Global podman flags + env for an isolated configuration rooted at `configDir` with storage at `storageDir`. */
async function isolatedPodman(configDir: string, storageDir: string, registries: string, auths: Record<string, { auth: string }> = {}) {
  const file = (name: string) => `${configDir}/${name}`;
  await writeFile(file('registries.conf'), registries);
  await writeFile(file('policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  await writeFile(file('auth.json'), JSON.stringify({ auths }), { mode: 0o600 });
  await writeFile(
    file('storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${storageDir}/graph"\nrunroot = "${storageDir}/run"\n`,
  );
  await writeFile(file('containers.conf'), `[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n`);
  return {
    globalArgs: [
      '--root', `${storageDir}/graph`,
      '--runroot', `${storageDir}/run`,
      '--storage-driver', 'vfs',
      '--tmpdir', `${storageDir}/tmp`,
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'none',
    ],
    env: {
      CONTAINERS_REGISTRIES_CONF: file('registries.conf'),
      CONTAINERS_CONF: file('containers.conf'),
      CONTAINERS_STORAGE_CONF: file('storage.conf'),
      REGISTRY_AUTH_FILE: file('auth.json'),
      TMPDIR: configDir,
    },
    policy: file('policy.json'),
    authFile: file('auth.json'),
  };
}

/** Runs `podman [isolation flags] ARGS` against `storageDir` (e.g. `images`, `image inspect`). */
export async function runPodman(args: string[], options: { storageDir: string; registriesConf?: string; timeoutMs?: number }): Promise<RunResult> {
  const config = await makeTempDir('podcfg');
  try {
    const p = await isolatedPodman(config.path, options.storageDir, options.registriesConf ?? 'unqualified-search-registries = []\n');
    return await runCommand('podman', [...p.globalArgs, ...args], { env: p.env, name: 'podman', timeoutMs: options.timeoutMs ?? 120_000 });
  } finally {
    await config.stop();
  }
}

/** `podman pull REF` (e.g. `docker.io/library/NAME:TAG`) through the mirror. */
export async function podmanPull(ref: string, options: PodmanPullOptions): Promise<PodmanPullResult> {
  const config = await makeTempDir('podcfg');
  const storage = options.storageDir ? undefined : await makeTempDir('podstore');
  const storageDir = options.storageDir ?? storage!.path;
  const sentinel = options.fallbackHostPort ? undefined : await startFallbackSentinel({ mode: options.fallbackMode ?? 'http-404' });
  try {
    const conf = registriesConf(options.prefix ?? 'docker.io', options.fallbackHostPort ?? sentinel!.hostPort, options.mirrorHostPort);
    const creds = options.creds === undefined ? undefined : typeof options.creds === 'string' ? options.creds : `${options.creds.username}:${options.creds.password}`;
    const auths = creds ? { [options.mirrorHostPort]: { auth: Buffer.from(creds).toString('base64') } } : {};
    const p = await isolatedPodman(config.path, storageDir, conf, auths);
    const args = [
      ...p.globalArgs,
      ...(options.debug ? ['--log-level', 'debug'] : []),
      'pull',
      `--tls-verify=${options.tlsVerify ?? false}`,
      '--signature-policy', p.policy,
      '--authfile', p.authFile,
      ...(options.platform ? ['--platform', options.platform] : []),
      ref,
    ];
    const result = await runCommand('podman', args, { env: p.env, name: 'podman', timeoutMs: options.timeoutMs ?? 300_000 });
    const lastLine = result.stdout.trim().split('\n').pop()?.trim();
    return {
      ...result,
      registriesConf: conf,
      fallbackConnections: sentinel?.connections.length ?? 0,
      imageId: result.code === 0 && lastLine && /^[0-9a-f]{64}$/.test(lastLine) ? lastLine : undefined,
    };
  } finally {
    await sentinel?.stop();
    await config.stop();
    await storage?.stop();
  }
}
