/**
 * The optional TLS listener's certificate: `server.tls: {cert, key}` (PEM files). Both files are
 * watched (fs.watch on their directories plus a periodic check) and, when their content changes
 * and the new pair is valid, swapped in with `server.setSecureContext` — new connections get the
 * new certificate, established ones keep theirs, nothing restarts. A half-rotated or broken pair
 * is logged and ignored until the files are consistent again.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type https from 'node:https';
import type { Logger } from '../log.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

/** Emitted on the https.Server after a new certificate is in force. */
export const TLS_RELOADED_EVENT = 'portcullis:tls-reloaded';

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks a cert/key pair (throws with a readable message when they do not belong together). */
export async function readKeyPair(files: TlsFiles): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new Error(`TLS certificate ${files.cert} and key ${files.key} are not a valid pair: ${(e as Error).message}`);
  }
  return { cert, key };
}

function fingerprint(p: KeyPair): string {
  return createHash('sha256').update(p.cert).update('\0').update(p.key).digest('hex');
}

/** Starts watching; returns a function that stops it. */
export function reloadCertificateOnChange(server: https.Server, files: TlsFiles, initial: KeyPair, logger: Logger, pollMs = 5000): () => void {
  let current = fingerprint(initial);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const check = () => {
    running = running.then(async () => {
      let pair: KeyPair;
      try {
        pair = await readKeyPair(files);
      } catch (e) {
        logger.warn('TLS certificate not reloaded; keeping the current one', { error: (e as Error).message });
        return;
      }
      const fp = fingerprint(pair);
      if (fp === current) return;
      server.setSecureContext({ cert: pair.cert, key: pair.key });
      current = fp;
      logger.info('TLS certificate reloaded', { cert: files.cert });
      server.emit(TLS_RELOADED_EVENT);
    });
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 50);
    timer.unref();
  };

  const watchers: FSWatcher[] = [];
  const names = new Set([path.basename(files.cert), path.basename(files.key)]);
  for (const dir of new Set([path.dirname(path.resolve(files.cert)), path.dirname(path.resolve(files.key))])) {
    try {
      const w = watch(dir, { persistent: false }, (_e, name) => { if (name === null || names.has(name.toString())) soon(); });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch (e) {
      logger.warn('cannot watch the TLS certificate directory; checking periodically', { dir, error: (e as Error).message });
    }
  }
  const poller = setInterval(check, pollMs);
  poller.unref();
  return () => {
    clearInterval(poller);
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
