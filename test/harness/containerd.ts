/**
 * The real containerd (1.6) as root with its own config, root/state dirs and
 * sockets in a temp dir (CRI disabled), plus `ctr` pulls through a mirror
 * configured with `certs.d/docker.io/hosts.toml`.
 *
 * Fallback: when the mirror answers 404 (or fails), ctr tries the next host,
 * i.e. `server`. With `server = "https://registry-1.docker.io"` that is a DNS
 * query + HTTPS attempt leaving the machine (verified: "trying next host -
 * response was http.StatusNotFound" then "lookup registry-1.docker.io on
 * 10.255.255.53:53"). So ctrPull points `server` at a loopback fallback sentinel
 * that resets every connection and counts them (`fallbackConnections`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, type TempDir } from './tempDir.js';
import { runCommand, startProcess, type RunResult, type StartedProcess } from './process.js';
import { waitForUnixSocket } from './waitFor.js';
import { startFallbackSentinel } from './fallbackSentinel.js';

export interface Containerd {
  /** gRPC socket path (`ctr --address`). */
  readonly address: string;
  readonly rootDir: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly process: StartedProcess;
  readonly dir: TempDir;
  stop(): Promise<void>;
}

export async function startContainerd(options: { logLevel?: 'warn' | 'info' | 'debug' } = {}): Promise<Containerd> {
  const dir = await makeTempDir('ctrd');
  const address = dir.join('containerd.sock');
  const configPath = dir.join('config.toml');
  const config = `version = 2
root = "${dir.join('root')}"
state = "${dir.join('state')}"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${address}"

[ttrpc]
  address = "${dir.join('containerd-ttrpc.sock')}"

[debug]
  level = "${options.logLevel ?? 'warn'}"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${dir.join('opt')}"
`;
  await writeFile(configPath, config);
  const proc = startProcess('containerd', ['--config', configPath], { name: 'containerd' });
  try {
    await waitForUnixSocket(address, { process: proc, timeoutMs: 20_000 });
  } catch (error) {
    await proc.stop();
    await dir.stop();
    throw error;
  }
  return {
    address,
    rootDir: dir.join('root'),
    stateDir: dir.join('state'),
    configPath,
    process: proc,
    dir,
    stop: async () => {
      await proc.stop(10_000);
      await dir.stop();
    },
  };
}

/** Runs `ctr --address SOCK ARGS` (e.g. `images ls -q`, `content ls`). */
export function ctr(handle: Containerd, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return runCommand('ctr', ['--address', handle.address, ...args], { name: 'ctr', timeoutMs });
}

export interface CtrPullOptions {
  /** Mirror base URL, e.g. `http://127.0.0.1:PORT` (the gateway under test). */
  mirrorUrl: string;
  /** Registry host the hosts.toml is written for. Default 'docker.io'. */
  hostsFor?: string;
  /** `ctr content fetch` (no unpack, no snapshotter) instead of `ctr images pull`. */
  fetchOnly?: boolean;
  /** Extra headers sent to the mirror (`[host."…".header]`), e.g. `{Authorization: 'Bearer …'}`. */
  header?: Record<string, string>;
  /** `--platform linux/arm64` etc. */
  platform?: string;
  allPlatforms?: boolean;
  /** `--user user:password` (answers the mirror's 401 challenges). */
  creds?: string | { username: string; password: string };
  /** Snapshotter for `images pull` (unpack). Default: containerd's default (overlayfs). */
  snapshotter?: string;
  /** Fallback `server`; default a fresh loopback sentinel (see module comment). */
  fallbackServer?: string;
  /** How the default sentinel fails requests; default 'reset' (ctr does not retry: fails in ~20 ms). */
  fallbackMode?: 'reset' | 'http-404';
  timeoutMs?: number;
}

export interface CtrPullResult extends RunResult {
  /** The hosts.toml that was used. */
  hostsToml: string;
  /** Connections that reached the fallback sentinel (0 = the mirror served everything). */
  fallbackConnections: number;
}

const tomlString = (s: string) => JSON.stringify(s);

export function hostsToml(server: string, mirrorUrl: string, header?: Record<string, string>): string {
  const host = `[host.${tomlString(mirrorUrl)}]`;
  let text = `server = ${tomlString(server)}\n\n${host}\n  capabilities = ["pull", "resolve"]\n`;
  if (header && Object.keys(header).length > 0) {
    text += `\n[host.${tomlString(mirrorUrl)}.header]\n`;
    for (const [k, v] of Object.entries(header)) text += `  ${tomlString(k)} = ${tomlString(v)}\n`;
  }
  return text;
}

/**
 * `ctr images pull` / `ctr content fetch` of `ref` (e.g. `docker.io/library/NAME:TAG`)
 * with `--hosts-dir` pointing at a temp certs.d that routes `hostsFor` to the mirror.
 */
export async function ctrPull(handle: Containerd, ref: string, options: CtrPullOptions): Promise<CtrPullResult> {
  const certsD = await makeTempDir('certs');
  const sentinel = options.fallbackServer ? undefined : await startFallbackSentinel({ mode: options.fallbackMode ?? 'reset' });
  try {
    const server = options.fallbackServer ?? `http://${sentinel!.hostPort}`;
    const toml = hostsToml(server, options.mirrorUrl.replace(/\/+$/, ''), options.header);
    const hostDir = path.join(certsD.path, options.hostsFor ?? 'docker.io');
    await mkdir(hostDir, { recursive: true });
    await writeFile(path.join(hostDir, 'hosts.toml'), toml);
    const creds = options.creds === undefined ? undefined : typeof options.creds === 'string' ? options.creds : `${options.creds.username}:${options.creds.password}`;
    const args = [
      ...(options.fetchOnly ? ['content', 'fetch'] : ['images', 'pull']),
      '--hosts-dir',
      certsD.path,
      ...(options.platform ? ['--platform', options.platform] : []),
      ...(options.allPlatforms ? ['--all-platforms'] : []),
      ...(creds ? ['--user', creds] : []),
      ...(options.snapshotter && !options.fetchOnly ? ['--snapshotter', options.snapshotter] : []),
      ref,
    ];
    const result = await ctr(handle, args, options.timeoutMs ?? 300_000);
    return { ...result, hostsToml: toml, fallbackConnections: sentinel?.connections.length ?? 0 };
  } finally {
    await sentinel?.stop();
    await certsD.stop();
  }
}
