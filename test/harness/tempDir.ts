/** Temporary directories that are removed by their handle's stop(). */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerExitCleanup } from './process.js';

export interface TempDir {
  readonly path: string;
  /** Joins segments onto the temp dir path. */
  join(...segments: string[]): string;
  stop(): Promise<void>;
}

/** Removed by stop(), or synchronously when the Node process exits (crash, SIGTERM). Short paths on purpose: unix socket paths (containerd) must stay under 108 bytes. */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `pc-${prefix}-`));
  const unregister = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return {
    path: dir,
    join: (...segments) => path.join(dir, ...segments),
    stop: async () => {
      unregister();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
