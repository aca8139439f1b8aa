/**
 * Memory of another process, from /proc/<pid>/status: VmRSS (now) and VmHWM (peak resident set
 * since start, or since the last `resetPeakRss`). The kernel keeps VmHWM exactly, so no sample can
 * miss a short peak; the sampler's own maximum of VmRSS is kept as a cross-check.
 */
import { readFile, writeFile } from 'node:fs/promises';

export interface MemoryStatus {
  rssBytes: number;
  hwmBytes: number;
}

export async function readMemory(pid: number): Promise<MemoryStatus> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), hwmBytes: kib('VmHWM') };
}

/** Resets VmHWM to the current RSS (`echo 5 > /proc/PID/clear_refs`, Linux ≥ 4.0). False when not permitted. */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface PeakMemory {
  /** VmHWM at the end of the window (the kernel's exact peak) */
  peakBytes: number;
  /** largest VmRSS seen by sampling */
  sampledMaxBytes: number;
  /** whether VmHWM was reset at the start, i.e. peakBytes covers only this window */
  windowed: boolean;
}

/**
 * Measures the peak memory of `pid` while `work` runs: resets VmHWM, samples VmRSS every
 * `intervalMs` while the work runs, then reads VmHWM.
 */
export async function peakMemoryDuring<T>(pid: number, work: () => Promise<T>, intervalMs = 50): Promise<{ value: T; memory: PeakMemory }> {
  const windowed = await resetPeakRss(pid);
  let sampledMax = (await readMemory(pid)).rssBytes;
  const timer = setInterval(() => {
    readMemory(pid).then((m) => { sampledMax = Math.max(sampledMax, m.rssBytes); }, () => {});
  }, intervalMs);
  try {
    const value = await work();
    const end = await readMemory(pid);
    return { value, memory: { peakBytes: end.hwmBytes, sampledMaxBytes: Math.max(sampledMax, end.rssBytes), windowed } };
  } finally {
    clearInterval(timer);
  }
}
