/** The Verdict: the gate's decision for one manifest digest under one policy and one database (CONTRACT.md). */
import type { Severity } from '../scan/types.js';

export type Decision = 'allow' | 'deny';
export type PolicyMode = 'enforce' | 'audit';

export type Reason =
  | {
    kind: 'vulnerability'; id: string; aliases?: string[]; severity: Severity; package: string; version: string; fixedVersion?: string;
    /** an allowlist entry named this finding but expired on this date, so it no longer applies */
    allowlistExpired?: string;
  }
  | { kind: 'signature'; message: string }
  | { kind: 'attestation'; message: string; predicateType?: string }
  | { kind: 'error'; message: string };

export interface SignatureSummary {
  verified: boolean;
  signer?: { key: string } | { issuer: string; subject: string };
  format?: 'legacy' | 'bundle';
  errors?: string[];
  /** digest whose signature was accepted (the image, or its signed index) */
  signedDigest?: string;
  /** signatures were not required and not checked */
  skipped?: boolean;
  /** predicate types of verified attestations */
  attestations?: string[];
}

export interface AllowlistUse {
  id: string;
  reason?: string;
  expires?: string;
  /** true when the entry matched but is past its expiry, so it no longer applies */
  expired?: boolean;
}

export interface Verdict {
  digest: string;
  repository: string;
  decision: Decision;
  mode: PolicyMode;
  reasons: Reason[];
  summary: Record<Severity, number>;
  signature: SignatureSummary;
  policyHash: string;
  dbVersion: string;
  decidedAt: string;
  reportUrl: string;
  /** audit mode: the decision enforce mode would have taken */
  wouldDeny?: boolean;
  /** allowlist entries that matched findings (and expired ones that no longer do) */
  allowlisted?: AllowlistUse[];
  /** a break-glass `bypass:` grant let this through */
  bypass?: { principal: string };
  /** set when the decision came from onError (scan/verification failed or timed out) */
  error?: string;
  /** platform manifests of an index and their decisions */
  platforms?: Array<{ digest: string; platform?: string; decision: Decision }>;
  /** the decision must be taken again after this time (an allowlist entry expires, a missing signature is rechecked) */
  validUntil?: string;
  /** scanner version the findings came from */
  scannerVersion?: string;
  /** upstream the image came from */
  upstream?: string;
  /** platform of the image (os/arch[/variant]) */
  platform?: string;
  /** the decision came from an earlier database while a rescan is pending */
  interim?: boolean;
}
