/**
 * Fetches through an ArtifactFetcher that never trusts the registry: every
 * manifest and blob is re-hashed and compared to the digest it was asked for
 * (or claims), and sizes are capped before parsing.
 */
import { createHash } from 'node:crypto';
import type { ArtifactFetcher, OciDescriptor } from './types.js';
import { SHA256_DIGEST } from './media-types.js';

/** A discovery problem that disqualifies one signature source; becomes an error line. */
export class SignatureSourceError extends Error {}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function short(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}

export interface CheckedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  json: Record<string, unknown>;
}

/**
 * Fetches a manifest by tag or digest. When `ref` is a digest the bytes must hash
 * to it; the digest the registry reports must always match the bytes.
 * Returns null when the registry has no such manifest.
 */
export async function fetchManifestChecked(
  fetcher: ArtifactFetcher,
  repo: string,
  ref: string,
  accept: string[],
  maxBytes: number,
): Promise<CheckedManifest | null> {
  const what = `manifest ${repo}@${short(ref)}`;
  let fetched;
  try {
    fetched = await fetcher.getManifest(repo, ref, accept);
  } catch (err) {
    throw new SignatureSourceError(`cannot fetch ${what}: ${errorMessage(err)}`);
  }
  if (fetched === null) return null;
  if (fetched.bytes.length > maxBytes) {
    throw new SignatureSourceError(`${what} is ${fetched.bytes.length} bytes (limit ${maxBytes})`);
  }
  const actual = sha256Digest(fetched.bytes);
  if (SHA256_DIGEST.test(ref) && actual !== ref) {
    throw new SignatureSourceError(`${what}: content hashes to ${short(actual)}, not the requested digest`);
  }
  if (fetched.digest && fetched.digest !== actual) {
    throw new SignatureSourceError(
      `${what}: registry reports digest ${short(fetched.digest)} but the content hashes to ${short(actual)}`,
    );
  }
  const json = parseJsonObject(fetched.bytes, what);
  return { bytes: fetched.bytes, mediaType: fetched.mediaType, digest: actual, json };
}

/** Fetches the blob a descriptor names, refusing it above maxBytes or when size/digest differ. */
export async function fetchBlobChecked(
  fetcher: ArtifactFetcher,
  repo: string,
  descriptor: OciDescriptor,
  maxBytes: number,
): Promise<Buffer> {
  const what = `blob ${short(descriptor.digest)}`;
  if (!SHA256_DIGEST.test(descriptor.digest)) {
    throw new SignatureSourceError(`${what}: unsupported or malformed digest`);
  }
  if (descriptor.size > maxBytes) {
    throw new SignatureSourceError(`${what} is ${descriptor.size} bytes (limit ${maxBytes})`);
  }
  let bytes: Buffer;
  try {
    bytes = await fetcher.getBlob(repo, descriptor.digest, maxBytes);
  } catch (err) {
    throw new SignatureSourceError(`cannot fetch ${what} from ${repo}: ${errorMessage(err)}`);
  }
  if (bytes.length > maxBytes) {
    throw new SignatureSourceError(`${what} is ${bytes.length} bytes (limit ${maxBytes})`);
  }
  const actual = sha256Digest(bytes);
  if (actual !== descriptor.digest) {
    throw new SignatureSourceError(`${what}: content hashes to ${short(actual)} (tampered blob)`);
  }
  if (bytes.length !== descriptor.size) {
    throw new SignatureSourceError(`${what}: ${bytes.length} bytes, descriptor says ${descriptor.size}`);
  }
  return bytes;
}

export function parseJsonObject(bytes: Buffer | string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    throw new SignatureSourceError(`${what} is not valid JSON: ${errorMessage(err)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SignatureSourceError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Validates the shape of an OCI descriptor read from untrusted JSON. */
export function asDescriptor(value: unknown, what: string): OciDescriptor {
  const d = value as Partial<OciDescriptor> | null;
  if (
    d === null || typeof d !== 'object' ||
    typeof d.mediaType !== 'string' || typeof d.digest !== 'string' ||
    typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0
  ) {
    throw new SignatureSourceError(`${what} is not a valid OCI descriptor`);
  }
  if (d.annotations !== undefined && !isStringRecord(d.annotations)) {
    throw new SignatureSourceError(`${what} has malformed annotations`);
  }
  return d as OciDescriptor;
}

/** Reads an array of descriptors, refusing more than `limit` before validating any. */
export function descriptorList(value: unknown, what: string, limit: number): OciDescriptor[] {
  if (!Array.isArray(value)) throw new SignatureSourceError(`${what} is missing or not an array`);
  if (value.length > limit) {
    throw new SignatureSourceError(`${what}: ${value.length} entries (limit ${limit})`);
  }
  return value.map((entry, i) => asDescriptor(entry, `${what}[${i}]`));
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
