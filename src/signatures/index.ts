/** Public surface of signature discovery and verification. */
export { buildVerifier, SignatureConfigError } from './build-verifier.js';
export type { ImageSignatureVerifier, SignatureVerifierConfig } from './build-verifier.js';
export type {
  ArtifactFetcher, FetchedManifest, IdentityConfig, OciDescriptor, OciIndex, OciManifest, PublicKeyConfig,
  SignatureFormat, SignatureLimits, SignerIdentity, VerificationResult, VerifyImageOptions,
} from './types.js';
export { DEFAULT_SIGNATURE_LIMITS } from './types.js';
export { compileIdentities } from './identity-policy.js';
export { signBundle, signLegacy, buildBundleReferrer } from './sign.js';
export type { OciArtifact, OciBlob, BundleSigningOptions } from './sign.js';
export { MemoryArtifactFetcher } from './memory-artifact-fetcher.js';
