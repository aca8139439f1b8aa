/** Reports for the format tests: every severity, CVSS v3.1 and v4, a long title, duplicate purls, no fix. */
import type { Finding, Package, Report } from '../types.js';

const LAYER = 'sha256:' + 'a'.repeat(64);

export function pkg(name: string, version: string, extra: Partial<Package> = {}): Package {
  return { name, version, kind: 'apk', ecosystem: 'Alpine:v3.10', purl: `pkg:apk/alpine/${name}@${version}?distro=3.10.4`, layer: LAYER, path: 'lib/apk/db/installed', ...extra };
}

export function finding(id: string, p: Package, extra: Partial<Finding> = {}): Finding {
  return { id, aliases: [], package: p.name, version: p.version, ecosystem: p.ecosystem, severity: 'unknown', layer: LAYER, path: p.path, ...extra };
}

const libssl = pkg('libssl1.1', '1.1.1d-r2', { source: 'openssl' });
const libcrypto = pkg('libcrypto1.1', '1.1.1d-r2', { source: 'openssl' });
const musl = pkg('musl', '1.1.22-r3');
const lodashA = pkg('lodash', '4.17.15', { kind: 'npm', ecosystem: 'npm', purl: 'pkg:npm/lodash@4.17.15', path: 'app/node_modules/lodash/package.json' });
const lodashB = { ...lodashA, path: 'app/node_modules/other/node_modules/lodash/package.json' };

export const SAMPLE_REPORT: Report = {
  target: 'registry.example.com/team/service:1.2.3',
  digest: 'sha256:' + 'b'.repeat(64),
  platform: 'linux/amd64',
  os: { family: 'alpine', version: '3.10.4' },
  packages: [libcrypto, libssl, musl, lodashA, lodashB],
  vulnerabilities: [
    finding('CVE-2021-3711', libssl, {
      aliases: ['ALPINE-CVE-2021-3711'],
      advisoryPackage: 'openssl',
      fixedVersion: '1.1.1l-r0',
      severity: 'critical',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 },
      summary: 'SM2 decryption buffer overflow',
    }),
    finding('CVE-2021-3449', libcrypto, { aliases: ['ALPINE-CVE-2021-3449'], advisoryPackage: 'openssl', fixedVersion: '1.1.1k-r0', severity: 'medium', cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 5.9 } }),
    finding('CVE-2021-3449', libssl, { aliases: ['ALPINE-CVE-2021-3449'], advisoryPackage: 'openssl', fixedVersion: '1.1.1k-r0', severity: 'medium', cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 5.9 } }),
    finding('GHSA-p6mc-m468-83gw', lodashA, {
      aliases: ['CVE-2020-8203'],
      fixedVersion: '4.17.19',
      severity: 'high',
      cvss: { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:H/SC:N/SI:N/SA:N', score: 8.2 },
      summary: 'Prototype Pollution in lodash, a very long advisory title that cannot possibly fit on one line of an eighty column terminal',
    }),
    finding('GHSA-p6mc-m468-83gw', lodashB, { aliases: ['CVE-2020-8203'], fixedVersion: '4.17.19', severity: 'high', summary: 'Prototype Pollution in lodash' }),
    finding('CVE-2019-14697', musl, { aliases: ['ALPINE-CVE-2019-14697'], fixedVersion: '1.1.22-r4', severity: 'low' }),
    finding('ALPINE-CVE-2099-0001', musl, {}),
  ],
  dbVersion: 'sha256:' + 'c'.repeat(64),
  scannedAt: '2026-11-22T12:00:00.000Z',
  scanner: { version: 'scanner-1' },
  warnings: ['usr/lib/big.so: not cataloged (larger than maxFileSize)'],
};

export const CLEAN_REPORT: Report = { ...SAMPLE_REPORT, platform: 'linux/arm64', vulnerabilities: [], warnings: [] };
