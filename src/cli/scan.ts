/**
 * `portcullis scan TARGET [--db DIR] [--config FILE] [--format table|json|sarif|cyclonedx]
 *   [--fail-on SEVERITY] [--platform P | --all-platforms] [--insecure]`
 *
 * Scans without a gateway (CI use). TARGET: `oci:DIR[:TAG]`, `docker-archive:FILE`
 * (or a bare FILE.tar / .tar.gz), or `REGISTRY/REPO[:TAG|@DIGEST]`.
 * Exit codes: 0 scanned (and nothing at or above --fail-on), 1 a finding at or
 * above --fail-on (no severity ranks as `policy.unknownSeverity`, default
 * medium), 2 usage or runtime error (no database, unreadable image, …).
 */
import type { Config } from '../config/schema.js';
import { openImageSource, type ImageSource } from '../scan/image/index.js';
import { isLocalImageTarget, openRegistryImageSource } from '../scan/registry-source.js';
import {
  DEFAULT_UNKNOWN_SEVERITY,
  FAIL_ON_THRESHOLDS,
  findingsAtOrAbove,
  isFailOnThreshold,
  isReportFormat,
  renderReports,
  REPORT_FORMATS,
  type FailOnThreshold,
  type ReportFormat,
} from '../scan/report/index.js';
import { scanAllPlatforms, scanImage } from '../scan/scanner.js';
import type { Report } from '../scan/types.js';
import { openVulnDb, vulnDbExists, type VulnDb } from '../scan/vulndb/index.js';
import { bool, flag, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { findConfig, importHint, resolveDbDir } from './db.js';

const SCAN_USAGE = `usage: portcullis scan TARGET [options]

TARGET    oci:DIR[:TAG] | docker-archive:FILE (.tar, .tar.gz) | REGISTRY/REPO[:TAG|@DIGEST]
          (docker.io names may be short: alpine:3.19 = docker.io/library/alpine:3.19)
--db DIR                 vulnerability database (default: vulndb.path of the config, else ./data/vulndb)
--config FILE            config (default: $PORTCULLIS_CONFIG, else config/portcullis.yaml if present):
                         vulndb.path, policy.unknownSeverity, upstream credentials and CAs
--format F               table (default) | json (the Report) | sarif (2.1.0) | cyclonedx (1.5)
--fail-on S              exit 1 if a finding is at or above S: critical | high | medium | low |
                         unknown (any finding) | none; no severity ranks as policy.unknownSeverity
--platform OS/ARCH[/V]   the image of a multi-platform index to scan (default linux/amd64)
--all-platforms          scan every platform: one report each (json/cyclonedx: an array)
--insecure               plain http (and no TLS verification) for a registry target
exit codes: 0 scanned, 1 a finding at or above --fail-on, 2 usage or runtime error`;

interface ScanRequest {
  target: string;
  format: ReportFormat;
  failOn?: FailOnThreshold;
  platform?: string;
  allPlatforms: boolean;
  insecure: boolean;
}

function parseRequest(p: ParsedArgs): ScanRequest {
  if (p.positional.length !== 1) {
    throw new UsageError(`scan needs exactly one TARGET (oci:DIR[:TAG], docker-archive:FILE or REGISTRY/REPO[:TAG|@DIGEST]), got ${p.positional.length}`);
  }
  const format = flag(p, 'format') ?? 'table';
  if (!isReportFormat(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  const failOn = flag(p, 'fail-on');
  if (failOn !== undefined && !isFailOnThreshold(failOn)) {
    throw new UsageError(`--fail-on must be one of ${FAIL_ON_THRESHOLDS.join(', ')}, got ${JSON.stringify(failOn)}`);
  }
  const platform = flag(p, 'platform');
  const allPlatforms = bool(p, 'all-platforms');
  if (platform !== undefined && allPlatforms) throw new UsageError('--platform and --all-platforms exclude each other');
  if (platform !== undefined && !/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/.test(platform)) throw new UsageError(`--platform expects os/arch[/variant], got ${JSON.stringify(platform)}`);
  return {
    target: p.positional[0]!,
    format,
    ...(failOn !== undefined ? { failOn } : {}),
    ...(platform !== undefined ? { platform } : {}),
    allPlatforms,
    insecure: bool(p, 'insecure'),
  };
}

function openTarget(request: ScanRequest, config: Config | undefined): { source: ImageSource; close(): Promise<void> } {
  if (isLocalImageTarget(request.target)) return { source: openImageSource(request.target), close: async () => {} };
  return openRegistryImageSource(request.target, { insecure: request.insecure, ...(config ? { config } : {}) });
}

function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

async function scanReports(request: ScanRequest, db: VulnDb, config: Config | undefined): Promise<Report[]> {
  const opened = openTarget(request, config);
  try {
    const options = { db, target: request.target };
    if (request.allPlatforms) return await scanAllPlatforms(opened.source, options);
    return [await scanImage(opened.source, { ...options, ...(request.platform ? { platform: request.platform } : {}) })];
  } finally {
    await opened.close();
  }
}

export async function scanCommand(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['db', 'config', 'format', 'fail-on', 'platform'], booleans: ['all-platforms', 'insecure', 'help'] });
  if (bool(p, 'help')) {
    process.stdout.write(SCAN_USAGE + '\n');
    return 0;
  }
  const request = parseRequest(p);
  const config = findConfig(flag(p, 'config'));
  const dbDir = resolveDbDir(flag(p, 'db'), config);
  if (!vulnDbExists(dbDir)) {
    process.stderr.write(`portcullis scan: no vulnerability database in ${dbDir}; ${importHint(dbDir)}\n`);
    return 2;
  }
  const unknownAs = config?.policy.unknownSeverity ?? DEFAULT_UNKNOWN_SEVERITY;
  let reports: Report[];
  const db = openVulnDb(dbDir);
  try {
    reports = await scanReports(request, db, config);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const tlsHint = !request.insecure && /SSL|EPROTO|certificate/i.test(message) && !isLocalImageTarget(request.target) ? ' (for a plain-http registry, add --insecure)' : '';
    process.stderr.write(`portcullis scan: ${request.target}: ${message}${tlsHint}\n`);
    return 2;
  } finally {
    db.close();
  }
  const stdout = process.stdout;
  process.stdout.write(
    renderReports(reports, request.format, {
      multiple: request.allPlatforms,
      unknownSeverity: unknownAs,
      color: wantsColor(stdout, process.env),
      ...(stdout.isTTY && stdout.columns ? { width: stdout.columns } : {}),
    }),
  );
  if (request.failOn === undefined) return 0;
  const failing = findingsAtOrAbove(reports, request.failOn, unknownAs);
  if (failing.length === 0) return 0;
  const note = failing.some((f) => f.severity === 'unknown') ? ` (findings without a severity count as ${unknownAs})` : '';
  process.stderr.write(`portcullis scan: ${failing.length} finding(s) at or above --fail-on ${request.failOn}${note}\n`);
  return 1;
}
