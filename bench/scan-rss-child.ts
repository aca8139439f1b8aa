/**
 * Child process of bench/scan.ts: scans `oci:LAYOUT:TAG` against the database in DB
 * (or, with `--baseline`, only loads the scanner and opens the database) and prints
 * `{"ms", "maxRssMiB", "packages", "vulnerabilities"}` — maxRSS of this process alone.
 * Usage: node --import tsx bench/scan-rss-child.ts LAYOUT TAG DB [--baseline]
 */
import { openImageSource } from '../src/scan/image/index.js';
import { scanImage } from '../src/scan/scanner.js';
import { openVulnDb } from '../src/scan/vulndb/index.js';

const [layout, tag, dbDir, mode] = process.argv.slice(2);
if (!layout || !tag || !dbDir) throw new Error('usage: scan-rss-child.ts LAYOUT TAG DB [--baseline]');
const db = openVulnDb(dbDir);
const started = performance.now();
const report = mode === '--baseline' ? undefined : await scanImage(openImageSource(`oci:${layout}:${tag}`), { db });
const ms = performance.now() - started;
db.close();
process.stdout.write(JSON.stringify({
  ms: Math.round(ms),
  maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  packages: report?.packages.length ?? 0,
  vulnerabilities: report?.vulnerabilities.length ?? 0,
}) + '\n');
