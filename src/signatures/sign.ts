/**
 * Creates cosign-compatible image signatures with local keys (no Fulcio, no
 * Rekor), as OCI artifacts ready to push: a legacy `sha256-<hex>.sig` manifest
 * with a simple-signing payload, or a sigstore bundle v0.3 (DSSE in-toto
 * statement) as an OCI 1.1 referrer. Used by tests and e2e set-ups.
 */
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import {
  ANNOTATION_SIGNATURE, COSIGN_SIGNATURE_TYPE, COSIGN_SIGN_PREDICATE, COSIGN_SIMPLE_SIGNING, IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1, OCI_EMPTY, OCI_IMAGE_CONFIG, OCI_MANIFEST, SIGSTORE_BUNDLE_V03, digestTag,
} from './media-types.js';
import type { OciDescriptor, OciManifest } from './types.js';

export interface OciBlob {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface OciArtifact {
  manifest: { bytes: Buffer; mediaType: string; digest: string };
  /** push these first (config and layers) */
  blobs: OciBlob[];
  /** the tag of a legacy `.sig` manifest; referrers are pushed by digest */
  tag?: string;
}

export interface BundleSigningOptions {
  /** the signed image's descriptor as the referrer `subject` (default: OCI manifest, size 0) */
  subject?: { mediaType: string; size: number };
  /** default `https://sigstore.dev/cosign/sign/v1` (an image signature); anything else is an attestation */
  predicateType?: string;
  predicate?: unknown;
  /** default application/vnd.dev.sigstore.bundle.v0.3+json */
  bundleMediaType?: string;
}

/** A legacy cosign signature: one simple-signing layer carrying the signature annotation. */
export function signLegacy(
  imageDigest: string,
  dockerReference: string,
  privateKey: KeyObject | string,
  optional: Record<string, unknown> | null = null,
): OciArtifact {
  const payload = Buffer.from(JSON.stringify({
    critical: {
      identity: { 'docker-reference': dockerReference },
      image: { 'docker-manifest-digest': imageDigest },
      type: COSIGN_SIGNATURE_TYPE,
    },
    optional,
  }));
  const signature = signBytes(payload, toPrivateKey(privateKey)).toString('base64');
  const layer = blob(COSIGN_SIMPLE_SIGNING, payload);
  const config = blob(OCI_IMAGE_CONFIG, Buffer.from(JSON.stringify({
    architecture: '', os: '', config: {}, created: '0001-01-01T00:00:00Z',
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  })));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(config),
    layers: [{ ...descriptor(layer), annotations: { [ANNOTATION_SIGNATURE]: signature } }],
  };
  return { manifest: manifestOf(manifest), blobs: [config, layer], tag: `${digestTag(imageDigest)}.sig` };
}

/** A key-only cosign v3 signature: bundle v0.3 with a DSSE statement, no tlog, as a referrer. */
export function signBundle(
  imageDigest: string,
  privateKey: KeyObject | string,
  options: BundleSigningOptions = {},
): OciArtifact {
  const key = toPrivateKey(privateKey);
  const predicateType = options.predicateType ?? COSIGN_SIGN_PREDICATE;
  const [algorithm, hex] = imageDigest.split(':') as [string, string];
  const statement = Buffer.from(JSON.stringify({
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ digest: { [algorithm]: hex } }],
    predicateType,
    ...(options.predicate === undefined ? {} : { predicate: options.predicate }),
  }));
  const signature = signBytes(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement), key);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const bundleMediaType = options.bundleMediaType ?? SIGSTORE_BUNDLE_V03;
  const bundle = Buffer.from(JSON.stringify({
    mediaType: bundleMediaType,
    verificationMaterial: {
      publicKey: { hint: createHash('sha256').update(spki).digest('base64') },
      tlogEntries: [],
    },
    dsseEnvelope: {
      payload: statement.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString('base64'), keyid: '' }],
    },
  }));
  const subject = { mediaType: options.subject?.mediaType ?? OCI_MANIFEST, digest: imageDigest, size: options.subject?.size ?? 0 };
  return buildBundleReferrer(bundle, bundleMediaType, subject, predicateType);
}

/** Wraps a bundle JSON as an OCI 1.1 referrer of `subject` (empty config, one layer). */
export function buildBundleReferrer(
  bundle: Buffer,
  bundleMediaType: string,
  subject: OciDescriptor,
  predicateType?: string,
): OciArtifact {
  const layer = blob(bundleMediaType, bundle);
  const config = blob(OCI_EMPTY, Buffer.from('{}'));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: bundleMediaType,
    config: descriptor(config),
    layers: [descriptor(layer)],
    subject,
    annotations: {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      ...(predicateType ? { 'dev.sigstore.bundle.predicateType': predicateType } : {}),
    },
  };
  return { manifest: manifestOf(manifest), blobs: [config, layer] };
}

/** DSSE v1 pre-authentication encoding. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload,
  ]);
}

/** ECDSA and RSA (PKCS#1 v1.5) over SHA-256; Ed25519 pure — what cosign does. */
function signBytes(data: Buffer, key: KeyObject): Buffer {
  const pure = key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448';
  return sign(pure ? null : 'sha256', data, key);
}

function toPrivateKey(key: KeyObject | string): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

function blob(mediaType: string, bytes: Buffer): OciBlob {
  return { mediaType, bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

function descriptor(b: OciBlob): OciDescriptor {
  return { mediaType: b.mediaType, digest: b.digest, size: b.bytes.length };
}

function manifestOf(manifest: OciManifest): OciArtifact['manifest'] {
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, mediaType: OCI_MANIFEST, digest: blob(OCI_MANIFEST, bytes).digest };
}
