/**
 * Streaming downloads that discard the bytes: `curl -o /dev/null` in its own process, so the
 * client never shares the event loop (or the CPU budget) of the process that runs the bench.
 */
import { execFile } from 'node:child_process';

export interface Download {
  status: number;
  bytes: number;
  /** curl's time_total: connect to last byte */
  seconds: number;
}

export function curlGet(url: string, headers: Record<string, string> = {}): Promise<Download> {
  const args = ['-sS', '--noproxy', '*', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl ${url}: ${stderr || error.message}`));
      const [status, bytes, seconds] = stdout.trim().split(' ').map(Number) as [number, number, number];
      resolve({ status, bytes, seconds });
    });
  });
}

/** GETs `url` expecting 200 and exactly `size` bytes; throws otherwise. */
export async function fetchBlob(url: string, size: number): Promise<Download> {
  const d = await curlGet(url);
  if (d.status !== 200 || d.bytes !== size) throw new Error(`GET ${url}: HTTP ${d.status}, ${d.bytes} of ${size} bytes`);
  return d;
}

/** `n` concurrent fetchBlob calls; resolves with each result and the wall time of all of them. */
export async function concurrentBlobs(url: string, size: number, n: number): Promise<{ downloads: Download[]; seconds: number }> {
  const started = performance.now();
  const downloads = await Promise.all(Array.from({ length: n }, () => fetchBlob(url, size)));
  return { downloads, seconds: (performance.now() - started) / 1000 };
}
