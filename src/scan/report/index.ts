/** Report formats for `portcullis scan --format` (and the gateway's report/SBOM endpoints). */
import type { Report } from '../types.js';
import { toCycloneDx } from './format-cyclonedx.js';
import { toSarif } from './format-sarif.js';
import { renderTables } from './format-table.js';
import type { RankedSeverity } from './severity-threshold.js';

export const REPORT_FORMATS = ['table', 'json', 'sarif', 'cyclonedx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** several reports (one per platform) render as a list: JSON and CycloneDX arrays, SARIF runs, table sections */
  multiple?: boolean;
  /** how findings without a severity rank (SARIF levels) */
  unknownSeverity?: RankedSeverity;
  /** table: terminal width and colour */
  width?: number;
  color?: boolean;
}

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** The text `scan` prints for `reports` in `format` (ends with a newline). */
export function renderReports(reports: readonly Report[], format: ReportFormat, options: RenderOptions = {}): string {
  const one = !options.multiple && reports.length === 1;
  switch (format) {
    case 'table':
      return renderTables(reports, { ...(options.width ? { width: options.width } : {}), color: options.color ?? false });
    case 'json':
      return JSON.stringify(one ? reports[0] : reports, null, 2) + '\n';
    case 'sarif':
      return JSON.stringify(toSarif(reports, options.unknownSeverity ? { unknownSeverity: options.unknownSeverity } : {}), null, 2) + '\n';
    case 'cyclonedx':
      return JSON.stringify(one ? toCycloneDx(reports[0]!) : reports.map(toCycloneDx), null, 2) + '\n';
  }
}

export { toCycloneDx, uuidFrom, CYCLONEDX_SPEC_VERSION } from './format-cyclonedx.js';
export { toSarif, SARIF_SCHEMA } from './format-sarif.js';
export { renderTable, renderTables } from './format-table.js';
export * from './severity-threshold.js';
export { advisorySource, advisoryUrl } from './vulnerability-links.js';
