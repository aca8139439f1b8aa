/** Policy: which rules apply to a repository, and the pure decision over a report and a signature result. */
export { effectivePolicy, needsSignature, type EffectivePolicy, type BlockSeverity, type RankedSeverity } from './effective-policy.js';
export { evaluatePolicy, allowEntryExpiresAt, displayId, severityRankUnder, type PolicyDecision, type PolicyInput } from './evaluate-policy.js';
export { policyHash, canonicalJson, POLICY_LOGIC_VERSION } from './policy-hash.js';
export { globToRegExp, repositoryMatches, type RepositoryName } from './repository-glob.js';
