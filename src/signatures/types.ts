/**
 * The types shared by signature discovery and verification, and the seam the
 * gateway implements to hand registry content to them (ArtifactFetcher).
 */

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  data?: string;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  subject?: OciDescriptor;
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: OciDescriptor[];
  subject?: OciDescriptor;
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** the digest the registry claims for these bytes; re-checked by the caller */
  digest: string;
}

/** Read-only registry access; implemented by the gateway's upstream client. */
export interface ArtifactFetcher {
  /** null when the manifest does not exist (404) */
  getManifest(repo: string, ref: string, accept: string[]): Promise<FetchedManifest | null>;
  /** throws when missing, on transport errors, or when the blob exceeds maxBytes */
  getBlob(repo: string, digest: string, maxBytes: number): Promise<Buffer>;
  /** null = the referrers API is unsupported (404); an empty index = no referrers */
  getReferrers(repo: string, digest: string, artifactType?: string): Promise<OciIndex | null>;
}

export type SignerIdentity = { key: string } | { issuer: string; subject: string };

export type SignatureFormat = 'legacy' | 'bundle';

export interface VerificationResult {
  verified: boolean;
  signer?: SignerIdentity;
  format?: SignatureFormat;
  /** one line per reason; empty when verified */
  errors: string[];
  /** the digest whose signature was accepted: the image, or its parent index */
  signedDigest?: string;
  /** predicate types of verified attestations about the signed digest */
  attestations?: string[];
}

/** A keyless identity as written in config. */
export interface IdentityConfig {
  /** OIDC issuer, compared exactly */
  issuer: string;
  /** certificate SAN, compared exactly (becomes an anchored, escaped RegExp) */
  subject?: string;
  /** certificate SAN pattern; always anchored as ^(?:pattern)$ */
  subjectRegExp?: string;
  /** Fulcio claims (OIDs 1.3.6.1.4.1.57264.1.9+), compared exactly */
  buildSignerUri?: string;
  buildSignerDigest?: string;
  runnerEnvironment?: string;
  sourceRepositoryUri?: string;
  sourceRepositoryDigest?: string;
  sourceRepositoryRef?: string;
  sourceRepositoryIdentifier?: string;
  sourceRepositoryOwnerUri?: string;
  sourceRepositoryOwnerIdentifier?: string;
  buildConfigUri?: string;
  buildConfigDigest?: string;
  buildTrigger?: string;
  runInvocationUri?: string;
  sourceRepositoryVisibilityAtSigning?: string;
}

export interface PublicKeyConfig {
  name: string;
  /** a PEM text (SPKI) or the path of a PEM file */
  publicKey: string;
}

export interface SignatureLimits {
  /** signature layers in a .sig manifest, or sigstore bundle referrers of one digest */
  maxSignatures: number;
  maxManifestBytes: number;
  /** simple-signing payload blobs */
  maxPayloadBytes: number;
  /** sigstore bundle blobs */
  maxBundleBytes: number;
}

export const DEFAULT_SIGNATURE_LIMITS: Readonly<SignatureLimits> = Object.freeze({
  maxSignatures: 64,
  maxManifestBytes: 4 * 1024 * 1024,
  maxPayloadBytes: 64 * 1024,
  maxBundleBytes: 1024 * 1024,
});

/** What one repository accepts; chosen by the policy (e.g. per repository glob). */
export interface VerifyImageOptions {
  /** the index this platform manifest was pulled through: its signature also covers the child */
  parentIndexDigest?: string;
  /** names of configured keys allowed for this repository (default: all configured keys) */
  keys?: string[];
  /** keyless identities allowed for this repository (default: the configured identities) */
  identities?: IdentityConfig[];
  /** predicate types that must each have a verified attestation */
  requiredAttestations?: string[];
  /** where `.sig` tags live, like COSIGN_REPOSITORY (default: the image repository) */
  signatureRepository?: string;
  /** reject key-based signatures without a Rekor entry (default false) */
  requireTransparencyLog?: boolean;
}
