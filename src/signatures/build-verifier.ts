/**
 * The config-facing entry point: loads and validates the trusted root, keys and
 * identities once (throwing one error that lists every problem), then verifies
 * images fully offline. Which keys/identities apply to a repository is the
 * policy's decision, passed per call in VerifyImageOptions.
 */
import type {
  ArtifactFetcher, IdentityConfig, PublicKeyConfig, SignatureLimits, VerificationResult, VerifyImageOptions,
} from './types.js';
import { DEFAULT_SIGNATURE_LIMITS } from './types.js';
import { loadPublicKeys, loadTrustedRoot } from './trust-config.js';
import { compileIdentities } from './identity-policy.js';
import { ConfigProblemsError } from './config-problems.js';
import { verifyImageSignatures, type VerificationContext } from './verify-image.js';

export interface SignatureVerifierConfig {
  /** path of a sigstore trusted_root.json */
  trustedRoot: string;
  keys?: PublicKeyConfig[];
  identities?: IdentityConfig[];
  limits?: Partial<SignatureLimits>;
}

export interface ImageSignatureVerifier {
  readonly keyNames: readonly string[];
  verifyImage(
    fetcher: ArtifactFetcher,
    repo: string,
    digest: string,
    options?: VerifyImageOptions,
  ): Promise<VerificationResult>;
}

export class SignatureConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid signature verification config: ${problems.join('; ')}`);
    this.name = 'SignatureConfigError';
  }
}

export function buildVerifier(config: SignatureVerifierConfig): ImageSignatureVerifier {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      problems.push(...(err instanceof ConfigProblemsError ? err.problems : [(err as Error).message]));
      return undefined;
    }
  };
  const trust = typeof config.trustedRoot === 'string' && config.trustedRoot !== ''
    ? attempt(() => loadTrustedRoot(config.trustedRoot))
    : (problems.push('trustedRoot (path of trusted_root.json) is required'), undefined);
  const keys = attempt(() => loadPublicKeys(config.keys ?? []));
  const identities = attempt(() => compileIdentities(config.identities ?? []));
  const limits = attempt(() => validateLimits(config.limits ?? {}));
  if (problems.length > 0 || !trust || !keys || !identities || !limits) throw new SignatureConfigError(problems);

  const context: VerificationContext = Object.freeze({ trust, keys, identities, limits });
  return Object.freeze({
    keyNames: Object.freeze(keys.map((k) => k.name)),
    verifyImage: (fetcher: ArtifactFetcher, repo: string, digest: string, options?: VerifyImageOptions) =>
      verifyImageSignatures(context, fetcher, repo, digest, options),
  });
}

function validateLimits(overrides: Partial<SignatureLimits>): SignatureLimits {
  const limits = { ...DEFAULT_SIGNATURE_LIMITS, ...overrides };
  const bad = Object.entries(limits).filter(([, v]) => !Number.isSafeInteger(v) || v <= 0).map(([k]) => k);
  if (bad.length > 0) throw new Error(`limits must be positive integers: ${bad.join(', ')}`);
  return Object.freeze(limits);
}
