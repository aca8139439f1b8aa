/**
 * What the dashboard shows, in the shapes the gate's API serves (`/api/v1/pulls`, `/api/v1/status`),
 * and the seam it reads them through: in-process from the gate's parts, or over loopback HTTP.
 */
import type { Severity } from '../scan/types.js';
import type { SourceStatus } from '../scan/vulndb/store-schema.js';
import type { Decision, PolicyMode } from '../verdicts/types.js';
import type { PullRecord } from '../verdicts/recent-pulls.js';

/** A pull's verdict as `/api/v1/pulls` lists it (`reasons` is a count). */
export interface PullVerdict {
  decision: Decision;
  mode: PolicyMode;
  summary: Record<Severity, number>;
  decidedAt: string;
  reportUrl: string;
  wouldDeny?: boolean;
  error?: string;
  reasons: number;
}

export interface PullEntry extends PullRecord {
  verdict: PullVerdict | null;
}

/** `vulndb` of `/api/v1/status`: the loaded database, or why none is loaded. */
export interface VulnDbView {
  loaded: boolean;
  error?: string;
  path?: string;
  version?: string;
  builtAt?: string;
  records?: number;
  ecosystems?: Record<string, number>;
  sources?: SourceStatus[];
  updating?: boolean;
}

export interface GatewayStatus {
  vulndb: VulnDbView;
  queue: { waiting: number; running: number };
  verdictStore: { kind: string; reachable: boolean; error?: string };
}

/** A digest that was allowed and became denied when the database changed (a rescan). */
export interface NewlyDenied {
  digest: string;
  repository: string;
  upstream?: string;
  mode: PolicyMode;
  deniedAt: string;
  dbVersion: string;
  previousDbVersion: string;
  summary: Record<Severity, number>;
}

/** One page's data. A part that could not be read is absent and its error is given instead. */
export interface DashboardSnapshot {
  pulls?: PullEntry[];
  pullsError?: string;
  status?: GatewayStatus;
  statusError?: string;
  /** undefined: this source cannot tell */
  newlyDenied?: NewlyDenied[];
}

/** What a source may need from the request it serves (the loopback source acts as the caller). */
export interface SnapshotRequest {
  authorization?: string;
  /** the local address and port the request arrived on, and whether it came over TLS */
  localAddress?: string;
  localPort?: number;
  tls: boolean;
}

export interface DashboardSource {
  snapshot(request: SnapshotRequest, limit: number): Promise<DashboardSnapshot>;
  close?(): Promise<void>;
}

/** How many recent pulls a page reads (the API's maximum). */
export const PULL_LIMIT = 500;
