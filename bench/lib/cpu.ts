/**
 * CPU time used by a process and everything in its process group (nginx workers, threads), from
 * /proc/<pid>/stat: utime + stime in seconds. Robust to a busy machine where wall-clock throughput
 * is not: "CPU seconds per GB moved" compares how much work each peer does per byte.
 */
import { readdir, readFile } from 'node:fs/promises';

const TICKS = 100; // USER_HZ on Linux

async function stat(pid: string): Promise<{ pgrp: number; cpu: number } | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(f[2]), cpu: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** utime + stime of every process in the process group led by `pid` (detached children lead their own group). */
export async function groupCpuSeconds(pid: number): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = await stat(entry);
    if (s && (s.pgrp === pid || Number(entry) === pid)) total += s.cpu;
  }
  return total;
}

/** Runs `work` and returns its result with the CPU seconds the group of `pid` used meanwhile. */
export async function cpuDuring<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; cpuSeconds: number }> {
  const before = await groupCpuSeconds(pid);
  const value = await work();
  return { value, cpuSeconds: (await groupCpuSeconds(pid)) - before };
}
