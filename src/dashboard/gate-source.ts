/**
 * The dashboard's data read in-process from the gate's parts: the same calls `/api/v1/pulls` and
 * `/api/v1/status` make, plus the digests the gate announced as newly denied after a database
 * change (`image.newly_denied`), kept in memory: this process's rescans since it started.
 */
import { pullsWithVerdicts } from '../verdicts/pulls-with-verdicts.js';
import type { GateEvents } from '../gate/gate-events.js';
import { isBlocking } from '../gate/decider.js';
import type { ScanQueue } from '../gate/scan-queue.js';
import type { VulnDbHolder } from '../gate/vulndb-holder.js';
import type { VerdictStore } from '../verdicts/index.js';
import type { Verdict } from '../verdicts/types.js';
import type { DashboardSnapshot, DashboardSource, GatewayStatus, NewlyDenied, PullEntry } from './types.js';

export interface GateParts {
  store: Pick<VerdictStore, 'recentPulls' | 'getLatestVerdict' | 'ping' | 'kind'>;
  vulndb: Pick<VulnDbHolder, 'status'>;
  queue: Pick<ScanQueue, 'waiting' | 'running'>;
  events: Pick<GateEvents, 'on' | 'off'>;
}

const MAX_NEWLY_DENIED = 100;

/** The newest newly-denied digests; one goes away when a later verdict lets it through again. */
export class NewlyDeniedLog {
  private readonly entries = new Map<string, NewlyDenied>();
  private readonly onDenied = (verdict: Verdict, previous: Verdict) => this.add(verdict, previous);
  private readonly onVerdict = (verdict: Verdict) => { if (!isBlocking(verdict)) this.entries.delete(verdict.digest); };

  constructor(private readonly events: Pick<GateEvents, 'on' | 'off'>) {
    events.on('image.newly_denied', this.onDenied);
    events.on('verdict', this.onVerdict);
  }

  add(verdict: Verdict, previous: Verdict): void {
    this.entries.delete(verdict.digest);
    this.entries.set(verdict.digest, {
      digest: verdict.digest, repository: verdict.repository, ...(verdict.upstream ? { upstream: verdict.upstream } : {}),
      mode: verdict.mode, deniedAt: verdict.decidedAt, dbVersion: verdict.dbVersion, previousDbVersion: previous.dbVersion, summary: verdict.summary,
    });
    while (this.entries.size > MAX_NEWLY_DENIED) this.entries.delete(this.entries.keys().next().value!);
  }

  /** newest first */
  list(): NewlyDenied[] {
    return [...this.entries.values()].reverse();
  }

  close(): void {
    this.events.off('image.newly_denied', this.onDenied);
    this.events.off('verdict', this.onVerdict);
  }
}

export function gateSource(parts: GateParts): DashboardSource {
  const newly = new NewlyDeniedLog(parts.events);
  return {
    async snapshot(_request, limit): Promise<DashboardSnapshot> {
      const [pulls, status] = await Promise.all([readPulls(parts, limit), readStatus(parts)]);
      return { ...pulls, ...status, newlyDenied: newly.list() };
    },
    async close() {
      newly.close();
    },
  };
}

async function readPulls(parts: GateParts, limit: number): Promise<Pick<DashboardSnapshot, 'pulls' | 'pullsError'>> {
  try {
    const pulls: PullEntry[] = await pullsWithVerdicts(parts.store, limit);
    return { pulls };
  } catch (e) {
    return { pullsError: (e as Error).message };
  }
}

async function readStatus(parts: GateParts): Promise<Pick<DashboardSnapshot, 'status'>> {
  let verdictStore: GatewayStatus['verdictStore'];
  try {
    await parts.store.ping();
    verdictStore = { kind: parts.store.kind, reachable: true };
  } catch (e) {
    verdictStore = { kind: parts.store.kind, reachable: false, error: (e as Error).message };
  }
  const vulndb = parts.vulndb.status() as unknown as GatewayStatus['vulndb'];
  return { status: { vulndb, queue: { waiting: parts.queue.waiting, running: parts.queue.running }, verdictStore } };
}
