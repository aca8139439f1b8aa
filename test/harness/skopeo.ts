/**
 * Runs the real skopeo (1.9) isolated from the host configuration: a temp
 * policy.json (insecureAcceptAnything), an empty registries.conf (no mirrors,
 * no unqualified-search registries: nothing but the given reference is contacted),
 * an empty registries.d and an empty auth file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { makeTempDir } from './tempDir.js';
import { runCommand, type RunResult } from './process.js';

export type Creds = string | { username: string; password: string };

export interface SkopeoCopyOptions {
  /** Default false: the test registries are plain HTTP. */
  srcTlsVerify?: boolean;
  /** Default false. */
  destTlsVerify?: boolean;
  /** `--all`: copy every image of an index. */
  all?: boolean;
  /** `--src-creds` ("user:password" or an object). */
  creds?: Creds;
  /** `--dest-creds`. */
  destCreds?: Creds;
  /** Extra arguments for `skopeo copy`, placed before src/dest. */
  extraArgs?: string[];
  /** `--override-arch/--override-os` etc. as global flags. */
  globalArgs?: string[];
  timeoutMs?: number;
  debug?: boolean;
}

const credsArg = (c: Creds) => (typeof c === 'string' ? c : `${c.username}:${c.password}`);

/** Temp dir holding policy.json, an empty registries.conf / registries.d and auth.json. */
async function isolatedConfig() {
  const dir = await makeTempDir('skopeo');
  const policy = dir.join('policy.json');
  const registriesConf = dir.join('registries.conf');
  const registriesD = dir.join('registries.d');
  const authFile = dir.join('auth.json');
  const tmp = dir.join('tmp');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  await writeFile(registriesConf, '');
  await writeFile(authFile, JSON.stringify({ auths: {} }));
  await mkdir(registriesD);
  await mkdir(tmp);
  return {
    dir,
    globalArgs: ['--policy', policy, '--registries-conf', registriesConf, '--registries.d', registriesD, '--tmpdir', tmp],
    env: { REGISTRY_AUTH_FILE: authFile, CONTAINERS_REGISTRIES_CONF: registriesConf, TMPDIR: tmp },
  };
}

/** Runs `skopeo [isolation flags] ARGS`; use for inspect, list-tags, ... */
export async function runSkopeo(args: string[], options: { timeoutMs?: number; globalArgs?: string[]; debug?: boolean } = {}): Promise<RunResult> {
  const config = await isolatedConfig();
  try {
    return await runCommand(
      'skopeo',
      [...config.globalArgs, ...(options.debug ? ['--debug'] : []), ...(options.globalArgs ?? []), ...args],
      { env: config.env, timeoutMs: options.timeoutMs ?? 300_000, name: 'skopeo' },
    );
  } finally {
    await config.dir.stop();
  }
}

/**
 * `skopeo copy SRC DEST` e.g. `docker://127.0.0.1:PORT/repo:tag` → `oci:/dir:tag`.
 * Returns code/stdout/stderr; never throws on a non-zero exit.
 */
export function skopeoCopy(src: string, dest: string, options: SkopeoCopyOptions = {}): Promise<RunResult> {
  const args = [
    'copy',
    `--src-tls-verify=${options.srcTlsVerify ?? false}`,
    `--dest-tls-verify=${options.destTlsVerify ?? false}`,
    ...(options.all ? ['--all'] : []),
    ...(options.creds ? ['--src-creds', credsArg(options.creds)] : []),
    ...(options.destCreds ? ['--dest-creds', credsArg(options.destCreds)] : []),
    ...(options.extraArgs ?? []),
    src,
    dest,
  ];
  return runSkopeo(args, options);
}
