/** Small statistics and unit helpers shared by the bench files. */
import os from 'node:os';

export const MiB = 1024 * 1024;
/** Decimal megabyte: throughput is reported in MB/s and memory goals in MB (10^6 bytes). */
export const MB = 1_000_000;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** MB/s for `bytes` moved in `seconds`. */
export function mbPerSecond(bytes: number, seconds: number): number {
  return bytes / MB / seconds;
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** One line describing the machine, for the top of a section. */
export function machine(): string {
  const cpus = os.cpus();
  return `Node ${process.version}, ${cpus.length} CPU(s) ${cpus[0]?.model.trim() ?? ''}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}`;
}

/** `--name VALUE` from argv, else the default. */
export function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

export function argFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
