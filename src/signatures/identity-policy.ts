/**
 * Keyless identities: issuer compared exactly, the certificate SAN against an
 * ANCHORED RegExp (sigstore-js would treat a plain string as an unanchored
 * pattern), and optional Fulcio claims. Claims 1.3.6.1.4.1.57264.1.8+ are stored
 * in the certificate as DER UTF8String, which is what @sigstore/verify exposes
 * in `identity.oids[].value`, so the expected value is DER-encoded before comparing.
 */
import type { Signer } from '@sigstore/verify';
import type { IdentityConfig } from './types.js';
import { ConfigProblemsError } from './config-problems.js';

type CertificateIdentity = NonNullable<Signer['identity']>;

const FULCIO_OID_PREFIX = '1.3.6.1.4.1.57264.1.';

/** Config name → last arc of the Fulcio OID (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md) */
export const FULCIO_CLAIM_OIDS = {
  buildSignerUri: 9,
  buildSignerDigest: 10,
  runnerEnvironment: 11,
  sourceRepositoryUri: 12,
  sourceRepositoryDigest: 13,
  sourceRepositoryRef: 14,
  sourceRepositoryIdentifier: 15,
  sourceRepositoryOwnerUri: 16,
  sourceRepositoryOwnerIdentifier: 17,
  buildConfigUri: 18,
  buildConfigDigest: 19,
  buildTrigger: 20,
  runInvocationUri: 21,
  sourceRepositoryVisibilityAtSigning: 22,
} as const satisfies Record<string, number>;

type ClaimName = keyof typeof FULCIO_CLAIM_OIDS;

export interface CompiledClaim {
  name: ClaimName;
  oid: string;
  value: string;
  der: Buffer;
}

export interface CompiledIdentity {
  issuer: string;
  subject: RegExp;
  claims: CompiledClaim[];
  /** for error lines */
  description: string;
}

/** Validates and compiles identities; throws one Error listing every problem. */
export function compileIdentities(configs: IdentityConfig[], where = 'identities'): CompiledIdentity[] {
  const problems: string[] = [];
  const compiled = configs.map((config, i) => compileOne(config, `${where}[${i}]`, problems));
  if (problems.length > 0) throw new ConfigProblemsError(problems);
  return compiled;
}

function compileOne(config: IdentityConfig, where: string, problems: string[]): CompiledIdentity {
  const known = new Set(['issuer', 'subject', 'subjectRegExp', ...Object.keys(FULCIO_CLAIM_OIDS)]);
  for (const key of Object.keys(config)) if (!known.has(key)) problems.push(`${where}: unknown field "${key}"`);
  if (typeof config.issuer !== 'string' || config.issuer === '') problems.push(`${where}: issuer is required`);
  const hasSubject = typeof config.subject === 'string' && config.subject !== '';
  const hasPattern = typeof config.subjectRegExp === 'string' && config.subjectRegExp !== '';
  if (hasSubject === hasPattern) problems.push(`${where}: give exactly one of subject or subjectRegExp`);
  let subject = /$^/;
  if (hasSubject) subject = new RegExp(`^${escapeRegExp(config.subject as string)}$`);
  if (hasPattern) {
    try {
      subject = new RegExp(`^(?:${config.subjectRegExp})$`);
    } catch (err) {
      problems.push(`${where}: subjectRegExp is not a valid RegExp: ${(err as Error).message}`);
    }
  }
  const claims: CompiledClaim[] = [];
  for (const [name, arc] of Object.entries(FULCIO_CLAIM_OIDS) as [ClaimName, number][]) {
    const value = config[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') {
      problems.push(`${where}: ${name} must be a non-empty string`);
      continue;
    }
    claims.push({ name, oid: `${FULCIO_OID_PREFIX}${arc}`, value, der: derUtf8String(value) });
  }
  const extra = claims.map((c) => ` ${c.name}=${c.value}`).join('');
  return { issuer: config.issuer, subject, claims, description: `issuer=${config.issuer} subject=${subject}${extra}` };
}

/** Returns null when one identity matches, else a one-line reason naming expected vs actual. */
export function matchIdentity(
  identities: CompiledIdentity[],
  actual: CertificateIdentity | undefined,
): { matched: CompiledIdentity } | { error: string } {
  const issuer = actual?.extensions?.issuer;
  const san = actual?.subjectAlternativeName;
  const reasons: string[] = [];
  for (const identity of identities) {
    if (issuer !== identity.issuer) {
      reasons.push(`issuer ${identity.issuer}`);
      continue;
    }
    if (san === undefined || !identity.subject.test(san)) {
      reasons.push(`subject ${identity.subject}`);
      continue;
    }
    const missing = identity.claims.find((claim) => !hasClaim(actual, claim));
    if (missing) {
      const got = claimValue(actual, missing.oid);
      reasons.push(`${missing.name}=${missing.value} (certificate has ${got === undefined ? 'none' : got})`);
      continue;
    }
    return { matched: identity };
  }
  return {
    error: `identity mismatch: signer issuer=${issuer ?? 'none'} subject=${san ?? 'none'}; expected ${reasons.join(' or ')}`,
  };
}

function hasClaim(actual: CertificateIdentity | undefined, claim: CompiledClaim): boolean {
  return (actual?.oids ?? []).some((o) => o.oid?.id.join('.') === claim.oid && Buffer.from(o.value).equals(claim.der));
}

function claimValue(actual: CertificateIdentity | undefined, oid: string): string | undefined {
  const found = (actual?.oids ?? []).find((o) => o.oid?.id.join('.') === oid);
  if (!found) return undefined;
  const value = Buffer.from(found.value);
  const headerLength = value[1] !== undefined && value[1] & 0x80 ? 2 + (value[1] & 0x7f) : 2;
  return value[0] === 0x0c ? value.subarray(headerLength).toString('utf8') : value.toString('utf8');
}

/** DER encoding of a UTF8String (tag 0x0c) with definite length. */
export function derUtf8String(value: string): Buffer {
  const content = Buffer.from(value, 'utf8');
  const n = content.length;
  let header: number[];
  if (n < 0x80) header = [0x0c, n];
  else if (n < 0x100) header = [0x0c, 0x81, n];
  else if (n < 0x10000) header = [0x0c, 0x82, n >> 8, n & 0xff];
  else header = [0x0c, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(header), content]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
