/** Builders shared by the policy tests: a validated policy config and small reports. */
import { configSchema, type PolicyConfig } from '../config/schema.js';
import type { Finding, Report } from '../scan/types.js';

export function policyConfig(policy: Record<string, unknown> = {}): PolicyConfig {
  return configSchema.parse({ upstreams: { hub: { url: 'https://registry-1.docker.io' } }, policy }).policy;
}

export function finding(over: Partial<Finding> & Pick<Finding, 'id'>): Finding {
  return { aliases: [], package: 'libssl1.1', version: '1.1.1d-r0', ecosystem: 'Alpine:v3.11', severity: 'high', fixedVersion: '1.1.1d-r3', ...over };
}

export function report(vulnerabilities: Finding[]): Report {
  return {
    target: 'test', digest: `sha256:${'a'.repeat(64)}`, packages: [], vulnerabilities,
    dbVersion: 'db1', scannedAt: '2026-01-01T00:00:00Z', scanner: { version: 'scanner-1' },
  };
}
