/**
 * Legacy cosign signatures (`sha256-<hex>.sig` layers): checks the simple-signing
 * payload names the image, and converts the layer annotations to a Sigstore
 * bundle v0.1 that @sigstore/verify can check (message signature over the payload,
 * Fulcio certificate or public-key hint, Rekor SET from `dev.sigstore.cosign/bundle`).
 */
import { X509Certificate } from 'node:crypto';
import {
  ANNOTATION_CERTIFICATE, ANNOTATION_REKOR_BUNDLE, ANNOTATION_SIGNATURE, COSIGN_SIGNATURE_TYPE,
} from './media-types.js';
import { SignatureSourceError, errorMessage, parseJsonObject, sha256Digest, short } from './checked-fetch.js';

const BUNDLE_V01 = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_LOG_ID = /^[a-f0-9]{64}$/;

/** Throws a SignatureSourceError unless the payload is a cosign signature of `imageDigest`. */
export function checkSimpleSigningPayload(payload: Buffer, imageDigest: string): void {
  const json = parseJsonObject(payload, 'simple-signing payload');
  const critical = json.critical as Record<string, unknown> | undefined;
  if (!critical || typeof critical !== 'object') {
    throw new SignatureSourceError('simple-signing payload has no "critical" section');
  }
  if (critical.type !== COSIGN_SIGNATURE_TYPE) {
    throw new SignatureSourceError(
      `simple-signing payload type is ${JSON.stringify(critical.type)}, not "${COSIGN_SIGNATURE_TYPE}"`,
    );
  }
  const image = critical.image as Record<string, unknown> | undefined;
  const named = image?.['docker-manifest-digest'];
  if (named !== imageDigest) {
    throw new SignatureSourceError(
      `payload names another digest: ${typeof named === 'string' ? short(named) : String(named)}, not ${short(imageDigest)}`,
    );
  }
}

/** Builds the JSON of a v0.1 bundle (input of bundleFromJSON) from a legacy signature layer. */
export function legacySignatureToBundleJson(
  payload: Buffer,
  annotations: Record<string, string>,
): Record<string, unknown> {
  if (annotations[ANNOTATION_SIGNATURE] === undefined) {
    throw new SignatureSourceError(`no ${ANNOTATION_SIGNATURE} annotation`);
  }
  // Go's base64 decoder (cosign, containers/image) skips line breaks; some signers wrap.
  const signature = annotations[ANNOTATION_SIGNATURE].replace(/[\r\n]/g, '');
  if (signature.length === 0 || !BASE64.test(signature)) {
    throw new SignatureSourceError(`malformed annotation ${ANNOTATION_SIGNATURE}: not base64`);
  }
  const certificatePem = annotations[ANNOTATION_CERTIFICATE];
  const rekorBundle = annotations[ANNOTATION_REKOR_BUNDLE];
  return {
    mediaType: BUNDLE_V01,
    verificationMaterial: {
      ...(certificatePem ? { x509CertificateChain: { certificates: [{ rawBytes: pemToDerBase64(certificatePem) }] } } : { publicKey: { hint: '' } }),
      tlogEntries: rekorBundle === undefined ? [] : [rekorBundleToTlogEntry(rekorBundle)],
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(sha256Digest(payload).slice(7), 'hex').toString('base64') },
      signature,
    },
  };
}

function pemToDerBase64(pem: string): string {
  try {
    return new X509Certificate(pem).raw.toString('base64');
  } catch (err) {
    throw new SignatureSourceError(`malformed annotation ${ANNOTATION_CERTIFICATE}: ${errorMessage(err)}`);
  }
}

/** `{"SignedEntryTimestamp", "Payload": {body, integratedTime, logIndex, logID}}` → TransparencyLogEntry JSON */
function rekorBundleToTlogEntry(annotation: string): Record<string, unknown> {
  const malformed = (why: string) => new SignatureSourceError(`malformed annotation ${ANNOTATION_REKOR_BUNDLE}: ${why}`);
  let json: Record<string, unknown>;
  try {
    json = parseJsonObject(annotation, 'annotation');
  } catch (err) {
    throw malformed(errorMessage(err));
  }
  const set = json.SignedEntryTimestamp;
  const p = json.Payload as Record<string, unknown> | undefined;
  if (typeof set !== 'string' || !BASE64.test(set) || set.length === 0) throw malformed('SignedEntryTimestamp is not base64');
  if (!p || typeof p !== 'object') throw malformed('no Payload');
  if (typeof p.body !== 'string' || !BASE64.test(p.body) || p.body.length === 0) throw malformed('Payload.body is not base64');
  if (!Number.isSafeInteger(p.integratedTime) || (p.integratedTime as number) <= 0) throw malformed('Payload.integratedTime is not a positive integer');
  if (!Number.isSafeInteger(p.logIndex) || (p.logIndex as number) < 0) throw malformed('Payload.logIndex is not an integer');
  if (typeof p.logID !== 'string' || !HEX_LOG_ID.test(p.logID)) throw malformed('Payload.logID is not a hex SHA-256');
  let body: Record<string, unknown>;
  try {
    body = parseJsonObject(Buffer.from(p.body, 'base64'), 'Payload.body');
  } catch (err) {
    throw malformed(errorMessage(err));
  }
  if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') {
    throw malformed('Payload.body has no kind/apiVersion');
  }
  return {
    logIndex: String(p.logIndex),
    logId: { keyId: Buffer.from(p.logID, 'hex').toString('base64') },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(p.integratedTime),
    inclusionPromise: { signedEntryTimestamp: set },
    canonicalizedBody: p.body,
  };
}
