/**
 * An in-memory registry implementing ArtifactFetcher, for tests: manifests by
 * tag or digest (with Accept filtering like distribution), blobs, and referrers
 * computed from stored `subject` fields — or, with `referrersApi: false`, a
 * 404 from the API and a maintained `sha256-<hex>` referrers tag index instead.
 * `putBlobAt`/`putManifestAt` store bytes under any digest, to model a lying registry.
 */
import { createHash } from 'node:crypto';
import type { ArtifactFetcher, FetchedManifest, OciDescriptor, OciIndex } from './types.js';
import { OCI_INDEX, digestTag } from './media-types.js';
import type { OciArtifact } from './sign.js';

export class MemoryArtifactFetcher implements ArtifactFetcher {
  private readonly manifests = new Map<string, FetchedManifest>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly referrersApi: boolean;
  /** every call, as "kind repo ref", to assert on discovery order */
  readonly calls: string[] = [];

  constructor(options: { referrersApi?: boolean } = {}) {
    this.referrersApi = options.referrersApi ?? true;
  }

  putManifest(repo: string, bytes: Buffer, mediaType: string, tags: string[] = []): string {
    const digest = sha256(bytes);
    const entry = { bytes, mediaType, digest };
    this.manifests.set(`${repo}@${digest}`, entry);
    for (const tag of tags) this.manifests.set(`${repo}@${tag}`, entry);
    const subject = parseSubject(bytes);
    if (subject && !this.referrersApi) this.updateReferrersTag(repo, subject);
    return digest;
  }

  /** stores a manifest under `ref` with a claimed digest, unchecked */
  putManifestAt(repo: string, ref: string, manifest: FetchedManifest): void {
    this.manifests.set(`${repo}@${ref}`, manifest);
  }

  putBlob(repo: string, bytes: Buffer): string {
    const digest = sha256(bytes);
    this.blobs.set(`${repo}@${digest}`, bytes);
    return digest;
  }

  /** stores bytes under any digest, unchecked */
  putBlobAt(repo: string, digest: string, bytes: Buffer): void {
    this.blobs.set(`${repo}@${digest}`, bytes);
  }

  /** pushes blobs, then the manifest (under its tag when it has one) */
  push(repo: string, artifact: OciArtifact): string {
    for (const b of artifact.blobs) this.putBlob(repo, b.bytes);
    return this.putManifest(repo, artifact.manifest.bytes, artifact.manifest.mediaType, artifact.tag ? [artifact.tag] : []);
  }

  async getManifest(repo: string, ref: string, accept: string[]): Promise<FetchedManifest | null> {
    this.calls.push(`manifest ${repo} ${ref}`);
    const found = this.manifests.get(`${repo}@${ref}`);
    return found && accept.includes(found.mediaType) ? found : null;
  }

  async getBlob(repo: string, digest: string, maxBytes: number): Promise<Buffer> {
    this.calls.push(`blob ${repo} ${digest}`);
    const found = this.blobs.get(`${repo}@${digest}`);
    if (!found) throw new Error(`blob ${digest} not found in ${repo}`);
    if (found.length > maxBytes) throw new Error(`blob ${digest} exceeds ${maxBytes} bytes`);
    return found;
  }

  async getReferrers(repo: string, digest: string, artifactType?: string): Promise<OciIndex | null> {
    this.calls.push(`referrers ${repo} ${digest}`);
    if (!this.referrersApi) return null;
    const manifests = this.referrerDescriptors(repo, digest)
      .filter((d) => artifactType === undefined || d.artifactType === artifactType);
    return { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
  }

  private referrerDescriptors(repo: string, digest: string): OciDescriptor[] {
    const seen = new Map<string, OciDescriptor>();
    for (const [key, entry] of this.manifests) {
      if (!key.startsWith(`${repo}@`) || seen.has(entry.digest)) continue;
      const parsed = parseManifest(entry.bytes);
      if (parsed?.subject?.digest !== digest) continue;
      seen.set(entry.digest, {
        mediaType: entry.mediaType,
        digest: entry.digest,
        size: entry.bytes.length,
        artifactType: parsed.artifactType ?? parsed.config?.mediaType,
        ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
      });
    }
    return [...seen.values()];
  }

  private updateReferrersTag(repo: string, subjectDigest: string): void {
    const index: OciIndex = {
      schemaVersion: 2, mediaType: OCI_INDEX, manifests: this.referrerDescriptors(repo, subjectDigest),
    };
    const bytes = Buffer.from(JSON.stringify(index));
    const tag = digestTag(subjectDigest);
    this.manifests.set(`${repo}@${tag}`, { bytes, mediaType: OCI_INDEX, digest: sha256(bytes) });
  }
}

interface ParsedManifest {
  artifactType?: string;
  config?: { mediaType?: string };
  subject?: { digest?: string };
  annotations?: Record<string, string>;
}

function parseManifest(bytes: Buffer): ParsedManifest | null {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as ParsedManifest) : null;
  } catch {
    return null;
  }
}

function parseSubject(bytes: Buffer): string | undefined {
  const digest = parseManifest(bytes)?.subject?.digest;
  return typeof digest === 'string' ? digest : undefined;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
