/**
 * `--format table`: for a person at a terminal. Findings grouped by severity
 * (highest first), one row per finding — package, installed, fixed, id, title —
 * fitted to the terminal width (80 columns when unknown), then a summary line.
 * ANSI colour only when asked (the CLI asks on a TTY without NO_COLOR).
 */
import type { Finding, Report, Severity } from '../types.js';
import { severityCounts } from './severity-threshold.js';

export interface TableOptions {
  /** columns available (default 80) */
  width?: number;
  color?: boolean;
}

const ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];
const COLORS: Record<Severity, string> = { critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', unknown: '\x1b[2m' };
const RESET = '\x1b[0m';
const HEADERS = ['PACKAGE', 'INSTALLED', 'FIXED', 'ID', 'TITLE'] as const;
/** widest a column may be before it is cut (the title takes what is left) */
const CAPS = [24, 20, 20, 20];
const INDENT = '  ';
const GAP = '  ';
const MIN_TITLE = 24;
const MAX_WARNINGS_SHOWN = 10;

/** Cuts `text` to `width` characters, marking the cut with an ellipsis. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, width).join('');
  return chars.slice(0, width - 1).join('') + '…';
}

/** Cuts the middle of `text` (for long paths and names, whose ends say the most). */
function fitMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const head = Math.ceil((width - 1) / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (width - 1 - head)).join('');
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

function titleOf(f: Finding): string {
  if (f.summary) return f.summary.replace(/\s+/g, ' ').trim();
  return f.aliases.length > 0 ? `also ${f.aliases.join(', ')}` : '';
}

interface Row {
  severity: Severity;
  cells: string[];
  title: string;
}

/** One row per (package, installed, fixed, id): the same package at several paths shows once, with a count. */
function rowsOf(findings: readonly Finding[]): Row[] {
  const rows = new Map<string, Row & { count: number }>();
  for (const f of [...findings].sort(sortForReading)) {
    const pkg = f.advisoryPackage ? `${f.package} (${f.advisoryPackage})` : f.package;
    const cells = [pkg, f.version, f.fixedVersion ?? '-', f.id];
    const key = `${f.severity}\u0000${cells.join('\u0000')}`;
    const row = rows.get(key);
    if (row) row.count++;
    else rows.set(key, { severity: f.severity, cells, title: titleOf(f), count: 1 });
  }
  return [...rows.values()].map(({ count, ...row }) => (count > 1 ? { ...row, cells: [`${row.cells[0]} ×${count}`, ...row.cells.slice(1)] } : row));
}

/** Widths of the first four columns over every row of the report: natural, capped, shrunk (widest first) to fit. */
function columnWidths(rows: Row[], width: number): number[] {
  const widths = CAPS.map((cap, i) => Math.min(cap, Math.max(HEADERS[i]!.length, ...rows.map((r) => [...r.cells[i]!].length))));
  const used = () => INDENT.length + widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  while (used() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= 6) break;
    widths[widest]!--;
  }
  return widths;
}

/**
 * Rows with the title as a fifth column when at least MIN_TITLE columns are
 * left for it, else (narrow terminals, long Debian versions) on its own line
 * under the row.
 */
function rowRenderer(rows: Row[], width: number): { header: string[]; render(row: Row): string[] } {
  const widths = columnWidths(rows, width);
  const titleWidth = width - (INDENT.length + widths.reduce((a, b) => a + b, 0) + GAP.length * widths.length);
  const inline = titleWidth >= MIN_TITLE;
  const cells = (values: readonly string[]) => INDENT + values.map((c, i) => pad(fit(c, widths[i]!), widths[i]!)).join(GAP);
  const below = (title: string) => (title ? [fit(`${INDENT}${INDENT}${title}`, width)] : []);
  if (inline) {
    return {
      header: [`${cells(HEADERS.slice(0, 4))}${GAP}${HEADERS[4]}`],
      render: (row) => [`${cells(row.cells)}${GAP}${fit(row.title, titleWidth)}`.trimEnd()],
    };
  }
  return {
    header: [cells(HEADERS.slice(0, 4)).trimEnd(), `${INDENT}${INDENT}${HEADERS[4]}`],
    render: (row) => [cells(row.cells).trimEnd(), ...below(row.title)],
  };
}

function sortForReading(a: Finding, b: Finding): number {
  return a.package.localeCompare(b.package) || a.version.localeCompare(b.version) || a.id.localeCompare(b.id);
}

function summaryLine(report: Report): string {
  const counts = severityCounts(report.vulnerabilities);
  const packages = `${report.packages.length} package${report.packages.length === 1 ? '' : 's'}`;
  if (report.vulnerabilities.length === 0) return `No vulnerabilities found (${packages}).`;
  const total = report.vulnerabilities.length;
  const parts = ORDER.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`).join(', ');
  return `${total} vulnerabilit${total === 1 ? 'y' : 'ies'}: ${parts} (${packages}).`;
}

function heading(report: Report): string[] {
  const os = report.os ? ` (${[report.os.family, report.os.version].filter(Boolean).join(' ')}${report.os.distroless ? ', distroless' : ''})` : '';
  const details = [report.platform, report.digest, `db ${report.dbVersion.replace(/^sha256:/, '').slice(0, 12)}`].filter(Boolean).join('  ');
  return [`${report.target}${os}`, details];
}

export function renderTable(report: Report, options: TableOptions = {}): string {
  const width = Math.max(40, options.width ?? 80);
  const paint = (severity: Severity, text: string) => (options.color ? `${COLORS[severity]}${text}${RESET}` : text);
  const lines = heading(report).map((l) => fitMiddle(l, width));
  const rows = rowsOf(report.vulnerabilities);
  const renderer = rowRenderer(rows, width);
  for (const severity of ORDER) {
    const group = rows.filter((r) => r.severity === severity);
    if (group.length === 0) continue;
    const findings = report.vulnerabilities.filter((f) => f.severity === severity).length;
    lines.push('', paint(severity, `${severity.toUpperCase()} (${findings})`), ...renderer.header);
    for (const row of group) lines.push(...renderer.render(row));
  }
  lines.push('', fit(summaryLine(report), width));
  const warnings = report.warnings ?? [];
  if (warnings.length > 0) {
    lines.push(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
    for (const w of warnings.slice(0, MAX_WARNINGS_SHOWN)) lines.push(fit(`${INDENT}${w}`, width));
    if (warnings.length > MAX_WARNINGS_SHOWN) lines.push(`${INDENT}… ${warnings.length - MAX_WARNINGS_SHOWN} more (see --format json)`);
  }
  return lines.join('\n') + '\n';
}

/** Several reports (one per platform): one section each, separated by a rule. */
export function renderTables(reports: readonly Report[], options: TableOptions = {}): string {
  const width = Math.max(40, options.width ?? 80);
  return reports.map((r) => renderTable(r, options)).join(`${'─'.repeat(Math.min(width, 80))}\n`);
}
