/**
 * From the snapshot to what the page lists: the search (`?q=` on repository, tag or digest), the
 * denied images first (enforced denials, then audit-mode would-be denials), then the others, and
 * small formatting helpers (state of a verdict, ages).
 */
import type { Severity } from '../scan/types.js';
import type { NewlyDenied, PullEntry, PullVerdict } from './types.js';

export type PullState = 'denied' | 'would-deny' | 'pending' | 'allowed';

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

const STATE_ORDER: Record<PullState, number> = { denied: 0, 'would-deny': 1, pending: 2, allowed: 3 };

export function stateOf(v: PullVerdict | null): PullState {
  if (!v) return 'pending';
  if (v.decision === 'deny') return 'denied';
  return v.wouldDeny ? 'would-deny' : 'allowed';
}

/** The search text, trimmed and bounded; empty means no filter. */
export function normaliseQuery(raw: unknown): string {
  const q = Array.isArray(raw) ? raw[0] : raw;
  return typeof q === 'string' ? q.trim().slice(0, 200) : '';
}

/** A pull matches when its upstream/repository:tag or its digest contains the query (case-insensitive). */
export function matches(p: Pick<PullEntry, 'upstream' | 'repository' | 'tag' | 'digest'>, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  const name = `${p.upstream}/${p.repository}${p.tag ? `:${p.tag}` : ''}`.toLowerCase();
  return name.includes(q) || p.digest.toLowerCase().includes(q);
}

export interface PullGroups {
  /** denied and would-be denied, denied first, newest pull first within each */
  blocked: PullEntry[];
  /** pending and allowed, newest pull first */
  others: PullEntry[];
  counts: Record<PullState, number>;
  /** pulls before the search */
  total: number;
}

export function groupPulls(pulls: PullEntry[], query: string): PullGroups {
  const counts: Record<PullState, number> = { denied: 0, 'would-deny': 0, pending: 0, allowed: 0 };
  const shown = pulls.filter((p) => matches(p, query));
  for (const p of shown) counts[stateOf(p.verdict)]++;
  const ordered = [...shown].sort((a, b) =>
    STATE_ORDER[stateOf(a.verdict)] - STATE_ORDER[stateOf(b.verdict)] || b.lastPulledAt.localeCompare(a.lastPulledAt));
  const isBlocked = (p: PullEntry) => STATE_ORDER[stateOf(p.verdict)] <= STATE_ORDER['would-deny'];
  return { blocked: ordered.filter(isBlocked), others: ordered.filter((p) => !isBlocked(p)), counts, total: pulls.length };
}

export function filterNewlyDenied(list: NewlyDenied[], query: string): NewlyDenied[] {
  return list.filter((n) => matches({ upstream: n.upstream ?? '', repository: n.repository, digest: n.digest }, query));
}

/** `sha256:0123456789ab…` */
export function shortDigest(digest: string): string {
  const i = digest.indexOf(':');
  return digest.length > i + 13 ? `${digest.slice(0, i + 13)}…` : digest;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; empty for an unreadable time. */
export function age(iso: string | undefined, now: Date): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** Auto-refresh interval from `?refresh=` in seconds (10–3600), or undefined for none. */
export function refreshSeconds(raw: unknown): number | undefined {
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isInteger(n) && n > 0 ? Math.max(10, Math.min(3600, n)) : undefined;
}
