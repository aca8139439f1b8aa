/**
 * The verdict store on keyv. What it keeps, and under which key:
 *
 * verdict:<digest>:<policyHash>:<dbVersion>:<scannerVersion>  the Verdict — immutable for its key
 * latest-verdict:<digest>                                      the last Verdict stored for the digest, whatever its key
 *                                                              (serves while a rescan runs; the API and blob gating read it)
 * report:<digest>:<dbVersion>:<scannerVersion>                 the Report (findings), apart from verdicts: a policy change
 *                                                              re-decides from it without rescanning
 * latest-report:<digest>                                       which report key is the newest
 * blob-refs:<upstream>/<repository>:<blobDigest>               manifest digests of that repository referencing the blob
 *
 * plus the recent-pulls list and the cross-replica lock of the backend. Every call is bounded in
 * time, so an unreachable store fails fast rather than holding a pull.
 */
import type { Report } from '../scan/types.js';
import type { Verdict } from './types.js';
import type { VerdictBackend } from './open-backend.js';
import type { PullRecord } from './recent-pulls.js';
import type { HeldLock } from './redis-lock.js';

export interface ReportKey {
  digest: string;
  dbVersion: string;
  scannerVersion: string;
}

export interface VerdictKey extends ReportKey {
  policyHash: string;
}

export class VerdictStoreUnavailableError extends Error {
  override name = 'VerdictStoreUnavailableError';
}

const DAY_MS = 86_400_000;
/** keyed verdicts and reports of superseded databases age out */
const KEYED_TTL_MS = 60 * DAY_MS;
const LATEST_TTL_MS = 365 * DAY_MS;
const MAX_REFS_PER_BLOB = 64;
const OPERATION_TIMEOUT_MS = 3_000;

export function verdictKeyString(k: VerdictKey): string {
  return `verdict:${k.digest}:${k.policyHash}:${k.dbVersion}:${k.scannerVersion}`;
}

export function reportKeyString(k: ReportKey): string {
  return `report:${k.digest}:${k.dbVersion}:${k.scannerVersion}`;
}

export class VerdictStore {
  constructor(private readonly backend: VerdictBackend, private readonly timeoutMs = OPERATION_TIMEOUT_MS) {}

  get kind(): VerdictBackend['kind'] { return this.backend.kind; }
  /** shared by several gateway processes (redis) */
  get shared(): boolean { return this.backend.shared; }

  private async op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs); }),
      ]);
    } catch (e) {
      throw new VerdictStoreUnavailableError(`verdict store (${this.backend.kind}) failed to ${what}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  getVerdict(key: VerdictKey): Promise<Verdict | undefined> {
    return this.op('read a verdict', () => this.backend.keyv.get<Verdict>(verdictKeyString(key)));
  }

  /** Stores a decided verdict under its key and as the digest's latest. */
  async putVerdict(key: VerdictKey, verdict: Verdict): Promise<void> {
    await this.op('store a verdict', async () => {
      await this.backend.keyv.set(verdictKeyString(key), verdict, KEYED_TTL_MS);
      await this.backend.keyv.set(`latest-verdict:${key.digest}`, verdict, LATEST_TTL_MS);
    });
  }

  /** Only the latest pointer: for verdicts that must not be reused under a key (onError decisions). */
  putLatestVerdict(verdict: Verdict): Promise<void> {
    return this.op('store a verdict', async () => { await this.backend.keyv.set(`latest-verdict:${verdict.digest}`, verdict, LATEST_TTL_MS); });
  }

  getLatestVerdict(digest: string): Promise<Verdict | undefined> {
    return this.op('read a verdict', () => this.backend.keyv.get<Verdict>(`latest-verdict:${digest}`));
  }

  getReport(key: ReportKey): Promise<Report | undefined> {
    return this.op('read a report', () => this.backend.keyv.get<Report>(reportKeyString(key)));
  }

  async putReport(key: ReportKey, report: Report): Promise<void> {
    await this.op('store a report', async () => {
      await this.backend.keyv.set(reportKeyString(key), report, KEYED_TTL_MS);
      await this.backend.keyv.set(`latest-report:${key.digest}`, key, KEYED_TTL_MS);
    });
  }

  /** The newest report of a digest, whatever database produced it. */
  getLatestReport(digest: string): Promise<Report | undefined> {
    return this.op('read a report', async () => {
      const key = await this.backend.keyv.get<ReportKey>(`latest-report:${digest}`);
      return key ? this.backend.keyv.get<Report>(reportKeyString(key)) : undefined;
    });
  }

  getBlobRefs(repositoryKey: string, blob: string): Promise<string[]> {
    return this.op('read blob references', async () => (await this.backend.keyv.get<string[]>(`blob-refs:${repositoryKey}:${blob}`)) ?? []);
  }

  /** Records that `manifestDigest` of the repository references `blobs` (config and layers). */
  async addBlobRefs(repositoryKey: string, manifestDigest: string, blobs: string[]): Promise<void> {
    await this.op('store blob references', async () => {
      for (const blob of blobs) {
        const key = `blob-refs:${repositoryKey}:${blob}`;
        const refs = (await this.backend.keyv.get<string[]>(key)) ?? [];
        if (refs.includes(manifestDigest)) continue;
        await this.backend.keyv.set(key, [manifestDigest, ...refs].slice(0, MAX_REFS_PER_BLOB), LATEST_TTL_MS);
      }
    });
  }

  recordPulls(entries: PullRecord[]): Promise<void> {
    return this.op('record pulls', () => this.backend.recentPulls.record(entries));
  }

  recentPulls(limit: number): Promise<PullRecord[]> {
    return this.op('list recent pulls', () => this.backend.recentPulls.list(limit));
  }

  tryLock(name: string, ttlMs: number): Promise<HeldLock | undefined> {
    return this.op('take a lock', () => this.backend.lock.tryAcquire(name, ttlMs));
  }

  lockHeld(name: string): Promise<boolean> {
    return this.op('check a lock', () => this.backend.lock.isHeld(name));
  }

  ping(): Promise<void> {
    return this.op('answer', () => this.backend.ping());
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
