/** HTML helpers for server-rendered pages: escaping and the security headers every page carries. */
import type { Context } from 'koa';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Only relative paths and http(s) URLs become links. */
export function safeHref(url: string): string {
  return /^(https?:\/\/|\/)/i.test(url) ? esc(url) : '#';
}

export function setHtmlSecurityHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'no-store');
}

/** Served at STYLESHEET_PATH: a stylesheet of our own origin, so no CSP needs 'unsafe-inline'. */
export const STYLESHEET_PATH = '/api/v1/static/report.css';
export const PAGE_STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:20px;margin:0 0 4px;word-break:break-all}h2{font-size:16px;margin:28px 0 8px}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#fff;border:1px solid #dde1e6;padding:12px;overflow:auto}
table{border-collapse:collapse;width:100%;background:#fff;margin:4px 0 12px}
th,td{border:1px solid #dde1e6;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef1f4}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;color:#fff}
.allow{background:#1f7a3a}.deny{background:#b3261e}.audit{background:#9a6700}
.sev-critical{color:#8b0000;font-weight:700}.sev-high{color:#b3261e;font-weight:600}.sev-medium{color:#9a6700}.sev-low{color:#3d5a80}.sev-unknown{color:#555}
.muted{color:#5f6b76}dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:0}dt{font-weight:600}dd{margin:0;word-break:break-all}
`;
