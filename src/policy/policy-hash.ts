/**
 * The policy hash: one value over everything that can change a decision for a repository —
 * its effective policy (rule index excluded: moving a rule without changing what applies keeps
 * the hash) and the signature trust configuration (trusted root, key and identity material).
 */
import { createHash } from 'node:crypto';
import type { EffectivePolicy } from './effective-policy.js';

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Version of the decision logic itself: bump when evaluatePolicy changes what it decides. */
export const POLICY_LOGIC_VERSION = 1;

export function policyHash(policy: EffectivePolicy, signatureTrustHash: string): string {
  const { rule: _rule, ...relevant } = policy;
  return createHash('sha256')
    .update(canonicalJson({ logic: POLICY_LOGIC_VERSION, policy: relevant, trust: signatureTrustHash }))
    .digest('hex')
    .slice(0, 32);
}
