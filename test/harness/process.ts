/**
 * Spawning helpers for the test harness.
 *
 * Every process is started in its own process group (detached) so that stop()
 * can signal the whole group (containerd shims, podman helpers, ...). Every
 * started process is also kept in a module-wide registry; when the Node process
 * exits (normally, or via SIGINT/SIGTERM) every group still alive gets SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Name used in error messages. Defaults to the command. */
  name?: string;
  cwd?: string;
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string | undefined>;
  /** Bytes written to stdin, which is then closed. stdin is /dev/null otherwise. */
  input?: string | Buffer;
}

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  stdout(): string;
  stderr(): string;
  /** stdout + stderr interleaved in arrival order. */
  output(): string;
  isRunning(): boolean;
  /** Resolves with the match once `pattern` appears in the output; rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** SIGKILL to the process group, then wait for the exit. */
  kill(): Promise<ExitInfo>;
}

const live = new Set<StartedProcess>();
const exitCleanups = new Set<() => void>();

/**
 * Registers a synchronous cleanup (e.g. rmSync of a temp dir) run when the Node
 * process exits, after every started process group has been SIGKILLed.
 * Returns a function that unregisters it.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  installExitHooks();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    killAllStarted();
    for (const cleanup of exitCleanups) {
      try {
        cleanup();
      } catch {
        /* best effort */
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      // exit() runs the 'exit' hook above; 128 + signal number like a shell.
      process.exit(128 + (os.constants.signals[sig] ?? 15));
    });
  }
}

/** Synchronously SIGKILLs every process group started through this module that is still alive. */
export function killAllStarted(): void {
  for (const p of live) signalGroup(p.pid, 'SIGKILL');
  live.clear();
}

/** Number of processes started by this module that have not exited yet (for leak assertions). */
export function liveProcessCount(): number {
  return live.size;
}

const MAX_CAPTURE = 4 * 1024 * 1024;

export function startProcess(command: string, args: readonly string[], options: StartOptions = {}): StartedProcess {
  installExitHooks();
  const name = options.name ?? command;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined && child.stdin) {
    child.stdin.end(options.input);
  }
  let out = '';
  let err = '';
  let all = '';
  const waiters = new Set<() => void>();
  const append = (which: 'out' | 'err', chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (which === 'out') out = (out + text).slice(-MAX_CAPTURE);
    else err = (err + text).slice(-MAX_CAPTURE);
    all = (all + text).slice(-MAX_CAPTURE);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', (c: Buffer) => append('out', c));
  child.stderr?.on('data', (c: Buffer) => append('err', c));

  let running = true;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (e) => {
      running = false;
      err += `\n[spawn error] ${e.message}`;
      all += `\n[spawn error] ${e.message}`;
      live.delete(handle);
      resolve({ code: -1, signal: null });
    });
    child.once('close', (code, signal) => {
      running = false;
      live.delete(handle);
      resolve({ code, signal });
    });
  });
  exited.then(() => {
    for (const w of waiters) w();
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = all.match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (!running) {
          done();
          reject(new Error(`${name} exited before printing ${pattern}:\n${all.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${all.slice(-4000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const stop = async (graceMs = 5_000): Promise<ExitInfo> => {
    if (!running) return exited;
    signalGroup(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
    const info = await exited;
    clearTimeout(timer);
    // The leader is gone; make sure nothing else in its group survives.
    signalGroup(child.pid!, 'SIGKILL');
    return info;
  };

  const kill = async (): Promise<ExitInfo> => {
    if (running) signalGroup(child.pid!, 'SIGKILL');
    return exited;
  };

  const handle: StartedProcess = {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    output: () => all,
    isRunning: () => running,
    waitForOutput,
    stop,
    kill,
  };
  if (child.pid !== undefined) live.add(handle);
  return handle;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions extends StartOptions {
  /** The process group is killed after this long (default 120 s); the result then has signal SIGKILL. */
  timeoutMs?: number;
}

/** Runs a command to completion, capturing its output. Never rejects because of a non-zero exit. */
export async function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const p = startProcess(command, args, options);
  const timer = setTimeout(() => void p.kill(), options.timeoutMs ?? 120_000);
  const info = await p.exited;
  clearTimeout(timer);
  return {
    code: info.code,
    signal: info.signal,
    stdout: p.stdout(),
    stderr: p.stderr(),
    durationMs: Math.round(performance.now() - started),
  };
}
