/**
 * Sending a blob to a client without allocating per chunk: two buffers are reused, one refilled
 * while the other is being written; a buffer is refilled only after its write resolved (the bytes
 * were handed to the socket). A client thus costs 2 × SEND_CHUNK of memory however long the blob.
 */

export const SEND_CHUNK = 512 * 1024;

/**
 * Pumps `next` into `write` until `next` returns null. `next(buffer)` returns the next bytes: the
 * buffer `buffer()` gives (or part of it) filled, or any other buffer it owns (e.g. a view of memory).
 * The two buffers are allocated on first use, so a sender served from memory never allocates them.
 * Resolves with the bytes sent.
 */
export async function sendChunks(next: (buffer: () => Buffer) => Promise<Buffer | null>, write: (chunk: Buffer) => Promise<void>): Promise<number> {
  const buffers: Array<Buffer | undefined> = [undefined, undefined];
  const writing: Array<Promise<void> | undefined> = [undefined, undefined];
  let sent = 0;
  try {
    for (let i = 0; ; i ^= 1) {
      await writing[i]; // this buffer is free again
      const slot = i;
      const chunk = await next(() => (buffers[slot] ??= Buffer.allocUnsafeSlow(SEND_CHUNK)));
      if (chunk === null) break;
      sent += chunk.length;
      const w = write(chunk);
      w.catch(() => {}); // awaited later; no unhandled rejection meanwhile
      writing[i] = w;
    }
  } finally {
    await Promise.allSettled(writing);
  }
  await Promise.all(writing);
  return sent;
}
