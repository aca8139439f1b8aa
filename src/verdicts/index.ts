/** The verdict store: verdicts, reports, recent pulls, blob references, cross-replica locks. */
export { openVerdictBackend, sqlitePathOf, type BackendKind, type VerdictBackend } from './open-backend.js';
export { VerdictStore, VerdictStoreUnavailableError, verdictKeyString, reportKeyString, type ReportKey, type VerdictKey } from './verdict-store.js';
export { mergePulls, pullIdentity, DEFAULT_RECENT_PULLS, type PullRecord, type RecentPulls } from './recent-pulls.js';
export type { DistributedLock, HeldLock } from './redis-lock.js';
export type * from './types.js';
