/**
 * The dashboard page at `/`: search, status cards, denied images (enforced, then audit-mode
 * would-be denials), images newly denied after a database update, the other recent pulls, and
 * the database details. Server-rendered, no script, every value escaped; auto-refresh is an
 * opt-in `<meta http-equiv="refresh">` (`?refresh=30`), so it works in a terminal browser too.
 */
import { esc, safeHref } from '../api/html.js';
import { databaseSection, statusCards, timeTag } from './status-sections.js';
import type { DashboardSnapshot, NewlyDenied, PullEntry, PullVerdict } from './types.js';
import { filterNewlyDenied, groupPulls, SEVERITIES, shortDigest, stateOf, type PullGroups, type PullState } from './view.js';

export const DASHBOARD_STYLESHEET = '/dashboard.css';
export const DASHBOARD_ICON_PATH = '/favicon.svg';

export interface PageInput {
  snapshot: DashboardSnapshot;
  query: string;
  refresh?: number;
  now: Date;
}

const BADGE: Record<PullState, [string, string]> = {
  denied: ['deny', 'denied'],
  'would-deny': ['audit', 'would be denied (audit)'],
  pending: ['pending', 'no verdict yet'],
  allowed: ['allow', 'allowed'],
};

function pageUrl(query: string, refresh: number | undefined): string {
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  if (refresh) params.set('refresh', String(refresh));
  const s = params.toString();
  return s ? `/?${s}` : '/';
}

export function findings(summary: PullVerdict['summary'] | undefined): string {
  if (!summary) return '<span class="muted">—</span>';
  const parts = SEVERITIES.filter((s) => (summary[s] ?? 0) > 0)
    .map((s) => `<span class="sev sev-${s}">${esc(summary[s])} ${s === 'unknown' ? 'unrated' : s}</span>`);
  return parts.length ? parts.join(' ') : '<span class="muted">none</span>';
}

/** Escaped, with a line-break opportunity after each slash. */
function breakable(text: string): string {
  return esc(text).replaceAll('/', '/<wbr>');
}

function imageName(p: { upstream?: string; repository: string; tag?: string }): string {
  return `<span class="repo">${breakable(p.repository)}</span>${p.tag ? `<span class="tag">:${esc(p.tag)}</span>` : ''}`
    + (p.upstream ? `<span class="upstream muted"> from ${esc(p.upstream)}</span>` : '');
}

function digestCell(digest: string): string {
  return `<code class="digest" title="${esc(digest)}">${esc(shortDigest(digest))}</code>`;
}

/** Same-origin link to the gate's report page, whatever `server.publicUrl` says. */
function reportLink(digest: string, label: string): string {
  return `<a class="report" href="${safeHref(`/api/v1/reports/${digest}`)}" aria-label="report for ${esc(label)}">report</a>`;
}

function decisionCell(v: PullVerdict | null): string {
  const [cls, text] = BADGE[stateOf(v)];
  const notes: string[] = [];
  if (v?.error) notes.push(`scan failed: ${esc(v.error)}`);
  if (v && v.mode === 'audit' && !v.wouldDeny && v.decision === 'allow') notes.push('audit mode');
  return `<span class="badge ${cls}">${esc(text)}</span>${notes.map((n) => `<div class="note">${n}</div>`).join('')}`;
}

function pullRow(p: PullEntry, now: Date): string {
  const v = p.verdict;
  const label = `${p.repository}${p.tag ? `:${p.tag}` : ''}`;
  const blocking = v && v.reasons > 0 && stateOf(v) !== 'allowed' ? `<div class="note">${esc(v.reasons)} blocking reason${v.reasons === 1 ? '' : 's'}</div>` : '';
  return `<tr class="state-${stateOf(v)}"><td data-label="Decision">${decisionCell(v)}</td><th scope="row">${imageName(p)}</th>`
    + `<td data-label="Digest">${digestCell(p.digest)}</td><td data-label="Findings">${findings(v?.summary)}${blocking}</td>`
    + `<td data-label="Last pulled">${timeTag(p.lastPulledAt, now)}</td><td data-label="Decided">${timeTag(v?.decidedAt, now)}</td>`
    + `<td>${v ? reportLink(p.digest, label) : '<span class="muted">no report yet</span>'}</td></tr>`;
}

function pullTable(id: string, caption: string, rows: PullEntry[], now: Date): string {
  return `<div class="scroll" role="region" aria-labelledby="${id}" tabindex="0"><table class="pulls stack"><caption id="${id}" class="sr-only">${esc(caption)}</caption>`
    + '<thead><tr><th scope="col">Decision</th><th scope="col">Image</th><th scope="col">Digest</th><th scope="col">Findings</th>'
    + '<th scope="col">Last pulled</th><th scope="col">Decided</th><th scope="col"><span class="sr-only">Report</span></th></tr></thead>'
    + `<tbody>${rows.map((p) => pullRow(p, now)).join('')}</tbody></table></div>`;
}

function emptyNote(what: string, query: string): string {
  return `<p class="empty">${query ? `No ${esc(what)} match “${esc(query)}”.` : `No ${esc(what)} among the recent pulls.`}</p>`;
}

function pullSections(groups: PullGroups | undefined, error: string | undefined, query: string, now: Date): [string, string] {
  if (!groups) {
    const bad = `<p class="notice bad">Could not read the recent pulls: ${esc(error ?? 'unknown error')}</p>`;
    return [`<section aria-labelledby="denied-h"><h2 id="denied-h">Denied images</h2>${bad}</section>`, ''];
  }
  const blocked = groups.blocked.length
    ? pullTable('denied-t', 'Denied images, denied first, then would-be denials in audit mode', groups.blocked, now)
    : emptyNote('denied images', query);
  const others = groups.others.length ? pullTable('others-t', 'Allowed and pending pulls', groups.others, now) : emptyNote('allowed or pending pulls', query);
  return [
    `<section aria-labelledby="denied-h"><h2 id="denied-h">Denied images <span class="count">(${groups.blocked.length})</span></h2>${blocked}</section>`,
    `<section aria-labelledby="others-h"><h2 id="others-h">Allowed and pending <span class="count">(${groups.others.length})</span></h2>${others}</section>`,
  ];
}

function newlyDeniedSection(list: NewlyDenied[] | undefined, query: string, now: Date): string {
  const head = '<section aria-labelledby="newly-h"><h2 id="newly-h">Newly denied after a database update</h2>';
  if (!list) {
    return `${head}<p class="muted">Not listed by this gateway's API: count them with the <code>portcullis_rescan_newly_denied_total</code> metric `
      + 'and find them in the <code>image newly denied after a database update</code> log lines.</p></section>';
  }
  const shown = filterNewlyDenied(list, query);
  if (shown.length === 0) {
    return `${head}${query ? emptyNote('newly denied images', query) : '<p class="empty">No image became denied in a rescan since this gateway started.</p>'}</section>`;
  }
  const rows = shown.map((n) => `<tr><th scope="row">${imageName(n)}</th><td data-label="Digest">${digestCell(n.digest)}</td>`
    + `<td data-label="Denied">${timeTag(n.deniedAt, now)}${n.mode === 'audit' ? '<div class="note">audit mode: would be denied</div>' : ''}</td>`
    + `<td data-label="Database"><code>${esc(shortDigest(n.previousDbVersion))}</code> → <code>${esc(shortDigest(n.dbVersion))}</code></td>`
    + `<td data-label="Findings">${findings(n.summary)}</td><td>${reportLink(n.digest, n.repository)}</td></tr>`).join('');
  return `${head}<div class="scroll" role="region" aria-labelledby="newly-t" tabindex="0"><table class="stack"><caption id="newly-t" class="sr-only">Images newly denied after a database update</caption>`
    + '<thead><tr><th scope="col">Image</th><th scope="col">Digest</th><th scope="col">Denied</th><th scope="col">Database</th><th scope="col">Findings</th>'
    + `<th scope="col"><span class="sr-only">Report</span></th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function searchForm(query: string, refresh: number | undefined): string {
  return '<form class="search" role="search" method="get" action="/"><label for="q">Search by repository or digest</label>'
    + `<div class="row"><input type="search" id="q" name="q" value="${esc(query)}" placeholder="library/alpine or sha256:…" autocomplete="off" spellcheck="false">`
    + (refresh ? `<input type="hidden" name="refresh" value="${esc(refresh)}">` : '')
    + `<button type="submit">Search</button>${query ? `<a class="clear" href="${esc(pageUrl('', refresh))}">Clear</a>` : ''}</div></form>`;
}

function totals(groups: PullGroups | undefined, query: string): string {
  if (!groups) return '';
  const c = groups.counts;
  const shown = c.denied + c['would-deny'] + c.pending + c.allowed;
  const scope = query ? `${shown} of ${groups.total} recent pulls match “${esc(query)}”` : `${groups.total} recent pull${groups.total === 1 ? '' : 's'}`;
  return `<p class="totals">${scope}: <span class="t-deny">${c.denied} denied</span> · <span class="t-audit">${c['would-deny']} would be denied (audit)</span>`
    + ` · ${c.pending} without a verdict · ${c.allowed} allowed</p>`;
}

export function renderDashboard(input: PageInput): string {
  const { snapshot, query, refresh, now } = input;
  const groups = snapshot.pulls ? groupPulls(snapshot.pulls, query) : undefined;
  const [denied, others] = pullSections(groups, snapshot.pullsError, query, now);
  const refreshLink = refresh
    ? `Refreshing every ${refresh} s · <a href="${esc(pageUrl(query, undefined))}">stop</a>`
    : `<a href="${esc(pageUrl(query, 30))}">Refresh every 30 s</a>`;
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
    + (refresh ? `<meta http-equiv="refresh" content="${refresh}">` : '')
    + `<title>${query ? `${esc(query)} — ` : ''}Portcullis dashboard</title><link rel="stylesheet" href="${DASHBOARD_STYLESHEET}"><link rel="icon" type="image/svg+xml" href="${DASHBOARD_ICON_PATH}"></head><body>`
    + '<a class="skip" href="#denied-h">Skip to denied images</a>'
    + '<header class="top"><div class="wrap"><p class="brand">Portcullis</p><p class="tagline">pull-through registry gateway</p></div></header>'
    + `<main class="wrap"><h1>Pulls and verdicts</h1><p class="meta">As of <time datetime="${esc(now.toISOString())}">${esc(now.toISOString().slice(0, 19).replace('T', ' '))} UTC</time> · ${refreshLink}</p>`
    + searchForm(query, refresh)
    + statusCards(snapshot.status, snapshot.statusError, now)
    + totals(groups, query)
    + denied
    + newlyDeniedSection(snapshot.newlyDenied, query, now)
    + others
    + databaseSection(snapshot.status, now)
    + '</main></body></html>';
}
