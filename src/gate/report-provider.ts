/**
 * Findings for a digest under the current database: from the store, or from one scan — one per
 * report key in this process (single flight), one across replicas sharing a Redis store (lock;
 * the others wait for the report to appear), run through the scan queue at the caller's priority.
 */
import { SingleFlight } from '../util/single-flight.js';
import type { Report } from '../scan/types.js';
import { withSpan } from '../telemetry/spans.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import type { Route } from '../upstream/routing.js';
import { reportKeyString, type ReportKey, type VerdictStore } from '../verdicts/index.js';
import { SCANNER_VERSION } from '../version.js';
import type { ImageScanner } from './image-scanner.js';
import type { ScanPriority, ScanQueue } from './scan-queue.js';
import { DB_UNAVAILABLE, type VulnDbHolder } from './vulndb-holder.js';

const LOCK_TTL_MS = 30_000;

/** The scan itself failed (not the store, not the database): worth remembering for a short while. */
export class ScanFailedError extends Error {
  override name = 'ScanFailedError';
}
const POLL_START_MS = 50;
const POLL_MAX_MS = 500;

export class ReportProvider {
  private readonly flights = new SingleFlight<Report>();

  constructor(
    private readonly store: VerdictStore,
    private readonly vulndb: VulnDbHolder,
    private readonly scanner: ImageScanner,
    private readonly queue: ScanQueue,
    private readonly waitLimitMs: number,
  ) {}

  keyFor(digest: string): ReportKey {
    return { digest, dbVersion: this.vulndb.version, scannerVersion: SCANNER_VERSION };
  }

  /** The stored report for the current database, if any. */
  stored(digest: string): Promise<Report | undefined> {
    if (this.vulndb.version === DB_UNAVAILABLE) return Promise.resolve(undefined);
    return this.store.getReport(this.keyFor(digest));
  }

  /** Scans unless the report exists; throws when the database is unavailable or the scan fails. */
  obtain(route: Route, digest: string, priority: ScanPriority, trace: TraceContext): Promise<Report> {
    const current = this.vulndb.current();
    if ('error' in current) return Promise.reject(new Error(current.error));
    const key = this.keyFor(digest);
    const id = reportKeyString(key);
    if (priority === 'pull') this.queue.promote(id);
    return this.flights.run(id, () => this.acquire(route, key, id, priority, trace));
  }

  private async acquire(route: Route, key: ReportKey, id: string, priority: ScanPriority, trace: TraceContext): Promise<Report> {
    const lockName = `scan:${key.digest}:${key.dbVersion}:${key.scannerVersion}`;
    const deadline = Date.now() + this.waitLimitMs;
    for (;;) {
      const lock = await this.store.tryLock(lockName, LOCK_TTL_MS);
      if (lock) {
        try {
          const existing = await this.store.getReport(key);
          if (existing) return existing;
          const report = await this.queue.run(id, priority, trace, (signal) => this.scanner.scan(route, key.digest, trace, signal))
            .catch((e: unknown) => { throw new ScanFailedError(e instanceof Error ? e.message : String(e)); });
          await this.store.putReport({ digest: key.digest, dbVersion: report.dbVersion, scannerVersion: report.scanner.version }, report);
          return report;
        } finally {
          await lock.release().catch(() => {});
        }
      }
      const report = await withSpan(trace, SpanName.replicaWait, { [Attr.digest]: key.digest }, () => this.waitForOtherReplica(key, lockName, deadline));
      if (report) return report;
      if (Date.now() > deadline) throw new Error(`another gateway replica has been scanning ${key.digest} for over ${Math.round(this.waitLimitMs / 1000)}s`);
    }
  }

  /** Polls for the report another replica is producing; undefined when its lock went away without one. */
  private async waitForOtherReplica(key: ReportKey, lockName: string, deadline: number): Promise<Report | undefined> {
    let delay = POLL_START_MS;
    while (Date.now() < deadline) {
      const report = await this.store.getReport(key);
      if (report) return report;
      if (!(await this.store.lockHeld(lockName))) return this.store.getReport(key);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
    return undefined;
  }
}
