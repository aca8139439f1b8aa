/**
 * Signature verification for the gate. Signatures are verified when the repository's effective
 * policy depends on them (requireSignature or requiredAttestations); otherwise the verdict says
 * `skipped` — no upstream requests for results that cannot change the decision. Verification
 * needs `signatures.trustedRoot`; without it a required signature is a clear deny reason.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { CoreServices } from '../gateway.js';
import type { Logger } from '../log.js';
import { needsSignature, type EffectivePolicy } from '../policy/index.js';
import { buildVerifier, type IdentityConfig, type ImageSignatureVerifier } from '../signatures/index.js';
import { withSpan } from '../telemetry/spans.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import type { Route } from '../upstream/routing.js';
import type { SignatureSummary } from '../verdicts/types.js';
import { CoreArtifactFetcher } from './artifact-fetcher.js';

type SignaturesConfig = Config['signatures'];

/** A configured identity as the verifier wants it: the subject is an (anchored) pattern. */
export function identityFromConfig(id: SignaturesConfig['identities'][number]): IdentityConfig {
  return {
    issuer: id.issuer,
    subjectRegExp: id.subject,
    ...(id.githubWorkflowRepository ? { sourceRepositoryUri: `https://github.com/${id.githubWorkflowRepository}` } : {}),
    ...(id.githubWorkflowRef ? { sourceRepositoryRef: id.githubWorkflowRef } : {}),
  };
}

function fileHash(path: string | undefined): string {
  if (!path) return '';
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return `unreadable:${path}`;
  }
}

/** Hash of the trust configuration and the key/root file contents: part of every policy hash. */
export function signatureTrustHash(cfg: SignaturesConfig): string {
  const material = {
    trustedRoot: fileHash(cfg.trustedRoot),
    keys: cfg.keys.map((k) => ({ name: k.name, key: k.publicKey.trimStart().startsWith('-----BEGIN') ? k.publicKey : fileHash(k.publicKey) })),
    identities: cfg.identities,
    repository: cfg.repository ?? '',
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 32);
}

export class SignatureChecker {
  private readonly verifier: ImageSignatureVerifier | undefined;
  private readonly unavailable: string | undefined;

  constructor(private readonly cfg: SignaturesConfig, private readonly core: Pick<CoreServices, 'manifests' | 'blobs' | 'referrers'>, logger: Logger) {
    if (!cfg.trustedRoot) {
      this.unavailable = 'signature verification is not configured (signatures.trustedRoot is required)';
      return;
    }
    try {
      this.verifier = buildVerifier({ trustedRoot: cfg.trustedRoot, keys: cfg.keys, identities: cfg.identities.map(identityFromConfig) });
    } catch (e) {
      this.unavailable = `signature verification is misconfigured: ${(e as Error).message}`;
      logger.error('signature verification unavailable; images that need a signature are denied', { error: this.unavailable });
    }
  }

  private selectIdentities(names: string[] | undefined): IdentityConfig[] | undefined {
    if (!names) return undefined;
    return this.cfg.identities
      .filter((id, i) => names.includes(String(i)) || (id.name !== undefined && names.includes(id.name)))
      .map(identityFromConfig);
  }

  async check(route: Route, digest: string, policy: EffectivePolicy, parentIndexDigest: string | undefined, trace: TraceContext): Promise<SignatureSummary> {
    if (!needsSignature(policy)) return { verified: false, skipped: true };
    if (!this.verifier) return { verified: false, errors: [this.unavailable!] };
    const verifier = this.verifier;
    return withSpan(trace, SpanName.signatureVerify, { [Attr.digest]: digest, [Attr.repository]: route.repository }, async (span, ctx) => {
      const r = await verifier.verifyImage(new CoreArtifactFetcher(this.core, route.upstream, ctx), route.repository, digest, {
        ...(parentIndexDigest ? { parentIndexDigest } : {}),
        ...(policy.keys ? { keys: policy.keys } : {}),
        ...(policy.identities ? { identities: this.selectIdentities(policy.identities) } : {}),
        ...(policy.requiredAttestations.length ? { requiredAttestations: policy.requiredAttestations } : {}),
        ...(this.cfg.repository ? { signatureRepository: this.cfg.repository } : {}),
      });
      span.setAttribute(Attr.signatureVerified, r.verified);
      return {
        verified: r.verified,
        ...(r.signer ? { signer: r.signer } : {}),
        ...(r.format ? { format: r.format } : {}),
        ...(r.errors.length ? { errors: r.errors.slice(0, 20) } : {}),
        ...(r.signedDigest ? { signedDigest: r.signedDigest } : {}),
        ...(r.attestations?.length ? { attestations: r.attestations } : {}),
      };
    });
  }
}
