/**
 * The dashboard's stylesheet, served by the gateway itself (no CDN, no web fonts: system fonts
 * only) so the page works air-gapped and its CSP needs no 'unsafe-inline'. Colours keep a contrast
 * of at least 4.5:1 against their background; the layout narrows to one column on small screens.
 */
/** A portcullis: the page's icon (linked from the page, so browsers do not ask for /favicon.ico). */
export const DASHBOARD_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d232a"/>'
  + '<path d="M6 26V10a10 6 0 0 1 20 0v16" fill="none" stroke="#fff" stroke-width="2"/>'
  + '<path d="M11 7v21M16 5v23M21 7v21M7 13h18M7 19h18M7 25h18" stroke="#c9d1d9" stroke-width="1.6"/></svg>';

export const DASHBOARD_CSS = `
:root{--fg:#1d232a;--muted:#56606b;--bg:#f4f6f8;--panel:#fff;--line:#d8dde3;--head:#eef1f4;
--deny:#b3261e;--deny-bg:#fdecea;--audit:#8a5a00;--audit-bg:#fff4d6;--allow:#1e6f37;--pending:#56606b;--link:#0b57d0;--focus:#0b57d0}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
a{color:var(--link)}a:focus-visible,button:focus-visible,input:focus-visible,.scroll:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.wrap{max-width:1200px;margin:0 auto;padding:0 20px}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:8px 12px;z-index:1}.skip:focus{left:8px;top:8px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
header.top{background:#1d232a;color:#fff}
header.top .wrap{display:flex;align-items:baseline;gap:12px;padding-top:12px;padding-bottom:12px}
.brand{margin:0;font-weight:700;font-size:18px;letter-spacing:.02em}.tagline{margin:0;color:#c9d1d9;font-size:13px}
main{padding-bottom:40px}
h1{font-size:24px;margin:20px 0 2px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:13px;margin:0 0 6px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.count{color:var(--muted);font-weight:400}
.meta{margin:0 0 14px;color:var(--muted);font-size:13px}
form.search{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0 0 16px}
form.search label{display:block;font-weight:600;margin-bottom:6px}
form.search .row{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
form.search input[type=search]{flex:1 1 280px;min-width:0;font:inherit;padding:7px 10px;border:1px solid #8c959f;border-radius:6px;background:#fff;color:var(--fg)}
form.search button{font:inherit;font-weight:600;padding:7px 16px;border:1px solid #0b57d0;border-radius:6px;background:#0b57d0;color:#fff;cursor:pointer}
form.search .clear{padding:7px 4px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px;margin:0 0 8px}
.card{background:var(--panel);border:1px solid var(--line);border-left:5px solid var(--allow);border-radius:8px;padding:12px 14px}
.card.warn{border-left-color:var(--audit)}.card.bad{border-left-color:var(--deny)}
.card p{margin:0;font-size:13px;color:var(--muted)}.card p.big{font-size:22px;font-weight:650;color:var(--fg);margin-bottom:2px}
.card .unit{font-size:14px;font-weight:400;color:var(--muted)}
.totals{margin:14px 0 0;font-size:14px}.t-deny{color:var(--deny);font-weight:600}.t-audit{color:var(--audit);font-weight:600}
.scroll{position:relative;overflow-x:auto;margin:4px 0 12px;border:1px solid var(--line);border-radius:8px;background:var(--panel)}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:8px 10px}
th,td{padding:7px 10px;text-align:left;vertical-align:top;border-top:1px solid var(--line)}
thead th{background:var(--head);border-top:0;font-size:13px;white-space:nowrap}
tbody th{font-weight:500}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.pulls{table-layout:fixed;min-width:760px}
table.pulls thead th:nth-child(1){width:19%}table.pulls thead th:nth-child(2){width:22%}table.pulls thead th:nth-child(3){width:17%}
table.pulls thead th:nth-child(4){width:15%}table.pulls thead th:nth-child(5),table.pulls thead th:nth-child(6){width:10%}table.pulls thead th:nth-child(7){width:7%}
tr.state-denied{background:var(--deny-bg)}tr.state-would-deny{background:var(--audit-bg)}
.repo{font-weight:600;overflow-wrap:break-word}.tag{color:var(--muted);overflow-wrap:break-word}.upstream{display:block;font-size:12px}
.digest{white-space:nowrap}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:700;color:#fff;white-space:nowrap}
.badge.deny{background:var(--deny)}.badge.audit{background:var(--audit)}.badge.allow{background:var(--allow)}.badge.pending{background:var(--pending)}
.note{font-size:12px;color:var(--muted);margin-top:2px}
.sev{white-space:nowrap;font-size:13px;margin-right:6px}
.sev-critical{color:#7d0a0a;font-weight:700}.sev-high{color:var(--deny);font-weight:600}.sev-medium{color:var(--audit)}.sev-low{color:#2d4a6b}.sev-unknown{color:var(--muted)}
.report{font-weight:600;white-space:nowrap}
.muted{color:var(--muted)}
.empty{background:var(--panel);border:1px dashed var(--line);border-radius:8px;padding:12px 14px;color:var(--muted);margin:4px 0 12px}
.notice{border-radius:8px;padding:10px 14px}.notice.bad{background:var(--deny-bg);border:1px solid var(--deny)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 12px;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;word-break:break-all}
.wrap-any{word-break:break-all}
@media (max-width:640px){.wrap{padding:0 12px}h1{font-size:20px}th,td{padding:6px 8px}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.stack,table.stack tbody{display:block;min-width:0}
table.stack tr{display:flex;flex-direction:column;border-top:1px solid var(--line);padding:6px 0}table.stack tbody tr:first-child{border-top:0}
table.stack td,table.stack tbody th{display:block;border:0;padding:2px 12px;white-space:normal}
table.stack tbody th{order:-1;font-size:16px;padding-top:4px}
table.stack td[data-label]::before{content:attr(data-label);display:inline-block;min-width:92px;color:var(--muted);font-size:12px;font-weight:600}}
@media (prefers-color-scheme:dark){
:root{--fg:#e6edf3;--muted:#a4afba;--bg:#0f1419;--panel:#161c23;--line:#2f3944;--head:#1d252e;--deny:#ff8a80;--deny-bg:#3a1614;--audit:#f0c060;--audit-bg:#33280f;--allow:#6fd08c;--pending:#a4afba;--link:#8ab4f8;--focus:#8ab4f8}
.badge{color:#0f1419}.sev-critical{color:#ffb4ab}.sev-low{color:#9ecbff}
form.search input[type=search]{background:#0f1419;color:var(--fg);border-color:#58636f}.skip{background:#161c23}
}
@media print{header.top,form.search,.skip{display:none}.scroll{overflow:visible}}
`;
