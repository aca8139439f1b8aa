/** Atomic file writes: temp file in the same directory tree + rename. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export async function writeFileAtomic(file: string, data: string | Uint8Array, tmpDir?: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const dir = tmpDir ?? path.dirname(file);
  if (tmpDir) await mkdir(tmpDir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
