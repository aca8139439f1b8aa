/**
 * The dashboard's status parts: the summary cards (scan queue, database, verdict store) near the
 * top, and the database details (version, age, records by ecosystem, sources) at the bottom.
 * Every value escaped.
 */
import { esc } from '../api/html.js';
import type { GatewayStatus, VulnDbView } from './types.js';
import { age, shortDigest } from './view.js';

export function timeTag(iso: string | undefined, now: Date): string {
  if (!iso) return '<span class="muted">—</span>';
  const ago = age(iso, now);
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(ago || iso)}</time>`;
}


function card(title: string, body: string, tone: 'ok' | 'warn' | 'bad' = 'ok'): string {
  return `<div class="card ${tone}"><h3>${esc(title)}</h3>${body}</div>`;
}

export function statusCards(status: GatewayStatus | undefined, error: string | undefined, now: Date): string {
  if (!status) return `<div class="cards">${card('Status', `<p>Could not read the status: ${esc(error ?? 'unknown error')}</p>`, 'bad')}</div>`;
  const { queue, vulndb: db, verdictStore: vs } = status;
  const queueCard = card('Scan queue', `<p class="big">${esc(queue.waiting)} <span class="unit">waiting</span></p><p>${esc(queue.running)} running</p>`,
    queue.waiting > 0 ? 'warn' : 'ok');
  const dbCard = db.loaded
    ? card('Vulnerability database', `<p class="big">${esc((db.records ?? 0).toLocaleString('en'))} <span class="unit">records</span></p>`
      + `<p>built ${timeTag(db.builtAt, now)}${db.updating ? ' · updating now' : ''}</p><p>version <code>${esc(db.version ? shortDigest(db.version) : '—')}</code></p>`,
      staleDays(db, now) > 7 ? 'warn' : 'ok')
    : card('Vulnerability database', `<p class="big">not loaded</p><p>${esc(db.error ?? 'no database at the configured path')}</p>`, 'bad');
  const storeCard = card('Verdict store', `<p class="big">${vs.reachable ? 'reachable' : 'unreachable'}</p><p>${esc(vs.kind)}${vs.error ? ` · ${esc(vs.error)}` : ''}</p>`,
    vs.reachable ? 'ok' : 'bad');
  return `<div class="cards">${queueCard}${dbCard}${storeCard}</div>`;
}

function staleDays(db: VulnDbView, now: Date): number {
  const t = db.builtAt ? Date.parse(db.builtAt) : NaN;
  return Number.isNaN(t) ? 0 : (now.getTime() - t) / 86_400_000;
}

export function databaseSection(status: GatewayStatus | undefined, now: Date): string {
  const head = '<section aria-labelledby="db-h"><h2 id="db-h">Vulnerability database</h2>';
  if (!status) return '';
  const db = status.vulndb;
  if (!db.loaded) {
    return `${head}<p class="notice bad">Not loaded: ${esc(db.error ?? 'no database')}${db.path ? ` (path <code>${esc(db.path)}</code>)` : ''}. `
      + 'Decisions follow <code>policy.onError</code> until it loads.</p></section>';
  }
  const facts: Array<[string, string]> = [
    ['version', `<code>${esc(db.version ?? '')}</code>`],
    ['built', `${timeTag(db.builtAt, now)} <span class="muted">${esc(db.builtAt ?? '')}</span>`],
    ['records', esc((db.records ?? 0).toLocaleString('en'))],
  ];
  if (db.path) facts.push(['path', `<code>${esc(db.path)}</code>`]);
  const ecosystems = Object.entries(db.ecosystems ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const ecoTable = ecosystems.length
    ? `<div class="scroll" role="region" aria-labelledby="eco-h" tabindex="0"><table><caption id="eco-h">Records by ecosystem</caption>`
      + '<thead><tr><th scope="col">Ecosystem</th><th scope="col" class="num">Records</th></tr></thead><tbody>'
      + ecosystems.map(([name, n]) => `<tr><th scope="row">${esc(name)}</th><td class="num">${esc(n.toLocaleString('en'))}</td></tr>`).join('')
      + '</tbody></table></div>'
    : '<p class="muted">No records by ecosystem.</p>';
  const sources = db.sources ?? [];
  const srcTable = sources.length
    ? `<div class="scroll" role="region" aria-labelledby="src-h" tabindex="0"><table><caption id="src-h">Sources</caption>`
      + '<thead><tr><th scope="col">Source</th><th scope="col">Imported</th><th scope="col" class="num">Records</th><th scope="col" class="num">Skipped</th></tr></thead><tbody>'
      + sources.map((s) => `<tr><td class="wrap-any"><code>${esc(s.source)}</code></td><td>${timeTag(s.importedAt, now)}</td>`
        + `<td class="num">${esc(s.records.toLocaleString('en'))}</td><td class="num">${esc(s.skipped)}</td></tr>`).join('')
      + '</tbody></table></div>'
    : '<p class="muted">No sources recorded.</p>';
  return `${head}<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>${ecoTable}${srcTable}</section>`;
}
