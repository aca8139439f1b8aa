/** Recent pulls joined with each digest's latest verdict: what /api/v1/pulls and the dashboard show. */
import type { PullRecord } from './recent-pulls.js';
import type { VerdictStore } from './verdict-store.js';
import type { Verdict } from './types.js';

export interface PullVerdictSummary {
  decision: Verdict['decision'];
  mode: Verdict['mode'];
  summary: Verdict['summary'];
  decidedAt: string;
  reportUrl: string;
  wouldDeny?: boolean;
  error?: string;
  /** number of reasons */
  reasons: number;
}

export async function pullsWithVerdicts(store: Pick<VerdictStore, 'recentPulls' | 'getLatestVerdict'>, limit: number): Promise<Array<PullRecord & { verdict: PullVerdictSummary | null }>> {
  const list = await store.recentPulls(limit);
  return Promise.all(list.map(async (p) => {
    const v = await store.getLatestVerdict(p.digest);
    return {
      ...p,
      verdict: v ? {
        decision: v.decision, mode: v.mode, summary: v.summary, decidedAt: v.decidedAt, reportUrl: `/api/v1/reports/${p.digest}`,
        ...(v.wouldDeny !== undefined ? { wouldDeny: v.wouldDeny } : {}), ...(v.error ? { error: v.error } : {}), reasons: v.reasons.length,
      } : null,
    };
  }));
}
