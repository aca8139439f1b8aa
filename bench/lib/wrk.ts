/**
 * wrk (GET only: wrk's HEAD waits for a body that never comes) and a parser for its report.
 */
import { execFile } from 'node:child_process';

export interface WrkOptions {
  threads?: number;
  connections?: number;
  durationSeconds?: number;
  headers?: Record<string, string>;
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  /** latency percentiles in milliseconds */
  latencyMs: { p50: number; p90: number; p99: number };
  /** non-2xx/3xx answers (should be 0: a 404 is a misconfigured run, not a fast one) */
  non2xx: number;
  socketErrors: number;
  raw: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot parse duration ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !total) throw new Error(`wrk: unexpected output:\n${out}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? durationMs(m[1]!) : Number.NaN;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    latencyMs: { p50: pct('50'), p90: pct('90'), p99: pct('99') },
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
    raw: out,
  };
}

/** Runs wrk against `url`; throws when any answer was not 2xx/3xx or a socket failed. */
export function runWrk(url: string, options: WrkOptions = {}): Promise<WrkResult> {
  const args = [
    `-t${options.threads ?? 2}`, `-c${options.connections ?? 32}`, `-d${options.durationSeconds ?? 5}s`, '--latency',
    ...Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk ${args.join(' ')}: ${stderr || error.message}`));
      try {
        const result = parseWrk(stdout);
        if (result.non2xx > 0 || result.socketErrors > 0) {
          return reject(new Error(`wrk ${url}: ${result.non2xx} non-2xx answers, ${result.socketErrors} socket errors:\n${stdout}`));
        }
        resolve(result);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
