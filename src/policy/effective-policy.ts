/**
 * The policy that applies to one repository: the global `policy` fields, overridden field by
 * field by the first rule whose `repositories` glob matches. Allowlists add up: the global
 * entries (each scoped by its own `repositories`) plus the matching rule's entries; only the
 * entries that apply to this repository are kept, so the policy hash of a repository changes
 * only when something that can change its decisions changes.
 */
import type { AllowEntry, PolicyConfig } from '../config/schema.js';
import { repositoryMatches, type RepositoryName } from './repository-glob.js';

export type BlockSeverity = 'critical' | 'high' | 'medium' | 'low' | 'none';
export type RankedSeverity = 'critical' | 'high' | 'medium' | 'low';

export interface EffectivePolicy {
  mode: 'enforce' | 'audit';
  blockSeverity: BlockSeverity;
  unknownSeverity: RankedSeverity;
  ignoreUnfixed: boolean;
  requireSignature: boolean;
  onError: 'deny' | 'allow';
  /** names of signatures.keys that apply; undefined = all configured keys */
  keys?: string[];
  /** names (or indexes, as strings) of signatures.identities that apply; undefined = all */
  identities?: string[];
  requiredAttestations: string[];
  /** entries that apply to this repository */
  allowlist: AllowEntry[];
  /** index of the rule that matched (for display; not part of the policy hash) */
  rule?: number;
}

export function effectivePolicy(policy: PolicyConfig, name: RepositoryName): EffectivePolicy {
  const ruleIndex = policy.rules.findIndex((r) => repositoryMatches(r.repositories, name));
  const rule = ruleIndex >= 0 ? policy.rules[ruleIndex] : undefined;
  const allowlist = [...policy.allowlist, ...(rule?.allowlist ?? [])].filter((e) => repositoryMatches(e.repositories, name));
  const keys = rule?.keys;
  const identities = rule?.identities;
  return {
    mode: rule?.mode ?? policy.mode,
    blockSeverity: rule?.blockSeverity ?? policy.blockSeverity,
    unknownSeverity: rule?.unknownSeverity ?? policy.unknownSeverity,
    ignoreUnfixed: rule?.ignoreUnfixed ?? policy.ignoreUnfixed,
    requireSignature: rule?.requireSignature ?? policy.requireSignature,
    onError: rule?.onError ?? policy.onError,
    ...(keys ? { keys } : {}),
    ...(identities ? { identities } : {}),
    requiredAttestations: rule?.requiredAttestations ?? policy.requiredAttestations,
    allowlist,
    ...(rule ? { rule: ruleIndex } : {}),
  };
}

/** Signatures are checked when the policy depends on them. */
export function needsSignature(p: EffectivePolicy): boolean {
  return p.requireSignature || p.requiredAttestations.length > 0;
}
