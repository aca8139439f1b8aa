/**
 * Records pulls in the verdict store's recent-pulls list without slowing pulls down: entries are
 * buffered in memory (the latest per repository@digest) and written once a second.
 */
import type { Logger } from '../log.js';
import type { PullRecord, VerdictStore } from '../verdicts/index.js';

const FLUSH_INTERVAL_MS = 1_000;
const MAX_BUFFERED = 5_000;

interface Buffered {
  upstream: string;
  repository: string;
  digest: string;
  mediaType: string;
  tag: string | undefined;
  at: number;
}

export class PullRecorder {
  private buffer = new Map<string, Buffered>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: VerdictStore, private readonly logger: Logger) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Called on every manifest pull: cheap (the record is built when flushed). */
  record(upstream: string, repository: string, digest: string, mediaType: string, tag: string | undefined, id = `${upstream}/${repository}@${digest}`): void {
    const old = this.buffer.get(id);
    if (old) {
      old.at = Date.now();
      if (tag) old.tag = tag;
      return;
    }
    this.buffer.set(id, { upstream, repository, digest, mediaType, tag, at: Date.now() });
    if (this.buffer.size >= MAX_BUFFERED) void this.flush();
  }

  /** Writes what is buffered; resolves when written (or given up: the list is best effort). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.size === 0) return;
      const entries: PullRecord[] = [...this.buffer.values()].map((b) => ({
        upstream: b.upstream, repository: b.repository, digest: b.digest, mediaType: b.mediaType,
        ...(b.tag ? { tag: b.tag } : {}), lastPulledAt: new Date(b.at).toISOString(),
      }));
      this.buffer = new Map();
      try {
        await this.store.recordPulls(entries);
      } catch (e) {
        this.logger.debug('could not record recent pulls', { error: (e as Error).message, entries: entries.length });
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
