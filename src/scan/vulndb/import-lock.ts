/**
 * One import at a time per database directory: an exclusive lock file holding
 * the importer's pid. A lock left by a dead process is taken over, and the
 * temporary files it left behind are removed.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'import.lock';
export const TEMP_SUFFIX = '.import-tmp';

export class ImportBusyError extends Error {
  override name = 'ImportBusyError';
}

export function acquireImportLock(dbDir: string): () => void {
  const lockPath = join(dbDir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      removeLeftovers(dbDir);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new ImportBusyError(`another import (pid ${holder}) is running in ${dbDir}`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new ImportBusyError(`could not lock ${dbDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeLeftovers(dbDir: string): void {
  for (const name of readdirSync(dbDir)) if (name.endsWith(TEMP_SUFFIX)) rmSync(join(dbDir, name), { force: true });
}
