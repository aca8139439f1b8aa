/**
 * The vulnerability database the gate scans with: opened at start from `vulndb.path`, reopened
 * when an import replaces the file (checked every few seconds, or at once with `checkNow()`),
 * updated from `vulndb.sources` every `vulndb.updateInterval` when sources are configured. A
 * missing or broken database does not stop the gateway: `current()` reports why it is
 * unavailable, decisions follow policy.onError, /readyz says not ready, and it is retried.
 */
import { EventEmitter } from 'node:events';
import { importSources, openVulnDb, type VulnDb } from '../scan/vulndb/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../telemetry/metrics.js';

export const DB_UNAVAILABLE = 'unavailable';

export interface VulnDbHolderOptions {
  path: string;
  sources: string[];
  updateIntervalMs: number;
  /** how often the file is checked for a replacement (default 2 s) */
  checkIntervalMs?: number;
}

export declare interface VulnDbHolder {
  on(event: 'changed', listener: (version: string, previous: string) => void): this;
}

export class VulnDbHolder extends EventEmitter {
  private db: VulnDb | undefined;
  private problem: string | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private updating: Promise<void> | undefined;

  constructor(private readonly opts: VulnDbHolderOptions, private readonly logger: Logger, private readonly metrics: Metrics) {
    super();
    this.tryOpen();
    const check = setInterval(() => this.checkNow(), opts.checkIntervalMs ?? 2_000);
    check.unref();
    this.timers.push(check);
    if (opts.sources.length > 0 && opts.updateIntervalMs > 0) {
      const update = setInterval(() => void this.update(), opts.updateIntervalMs);
      update.unref();
      this.timers.push(update);
    }
  }

  /** content version of the loaded database, or `unavailable` */
  get version(): string {
    return this.db?.version ?? DB_UNAVAILABLE;
  }

  current(): { db: VulnDb } | { error: string } {
    return this.db ? { db: this.db } : { error: `vulnerability database unavailable: ${this.problem ?? 'not loaded'}` };
  }

  status(): Record<string, unknown> {
    if (!this.db) return { loaded: false, error: this.problem, path: this.opts.path };
    const s = this.db.status();
    return { loaded: true, path: this.opts.path, version: s.version, builtAt: s.builtAt, records: s.records, ecosystems: s.ecosystems, sources: s.sources, updating: this.updating !== undefined };
  }

  private tryOpen(): void {
    try {
      this.db = openVulnDb(this.opts.path);
      this.problem = undefined;
      this.publishMetrics();
      this.logger.info('vulnerability database loaded', { path: this.opts.path, version: this.db.version, records: this.db.status().records });
    } catch (e) {
      const message = (e as Error).message;
      if (message !== this.problem) this.logger.error('vulnerability database unavailable; decisions follow policy.onError', { path: this.opts.path, error: message });
      this.problem = message;
    }
  }

  /** Picks up a database replaced on disk (or one that appeared); emits `changed` when the version differs. */
  checkNow(): void {
    const before = this.version;
    if (!this.db) {
      this.tryOpen();
    } else {
      try {
        if (this.db.reopenIfChanged()) this.logger.info('vulnerability database reloaded', { version: this.db.version });
        this.problem = undefined;
      } catch (e) {
        const message = (e as Error).message;
        if (message !== this.problem) this.logger.error('replaced vulnerability database cannot be opened; keeping the loaded one', { error: message });
        this.problem = message;
      }
    }
    this.publishMetrics();
    if (this.version !== before) this.emit('changed', this.version, before);
  }

  /** Imports `vulndb.sources` into `vulndb.path` (atomic), then reloads. One update at a time. */
  update(): Promise<void> {
    if (this.opts.sources.length === 0) return Promise.reject(new Error('vulndb.sources is empty: nothing to update from'));
    this.updating ??= (async () => {
      try {
        const result = await importSources(this.opts.path, this.opts.sources);
        this.logger.info('vulnerability database updated', { version: result.status.version, previous: result.previousVersion, durationMs: Math.round(result.durationMs) });
        this.checkNow();
      } catch (e) {
        this.logger.error('vulnerability database update failed; keeping the loaded one', { error: (e as Error).message });
      } finally {
        this.updating = undefined;
      }
    })();
    return this.updating;
  }

  private publishMetrics(): void {
    if (!this.db) return;
    const s = this.db.status();
    this.metrics.vulndbRecords.set(s.records);
    const built = Date.parse(s.builtAt);
    if (!Number.isNaN(built)) this.metrics.vulndbAge.set(Math.max(0, (Date.now() - built) / 1000));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.updating;
    this.db?.close();
    this.db = undefined;
  }
}
