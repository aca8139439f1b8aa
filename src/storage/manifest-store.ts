/**
 * Content-addressed manifest cache (immutable by digest) and the tag → digest map with its freshness.
 * Both live on disk under storage.path and in a bounded memory LRU in front.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { matchesDigest } from './digest.js';
import { digestHex } from '../registry/reference.js';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface TagEntry {
  digest: string;
  mediaType: string;
  /** epoch ms of the last upstream confirmation */
  checkedAt: number;
}

class Lru<V> {
  private readonly map = new Map<string, { v: V; size: number }>();
  private bytes = 0;
  constructor(private readonly maxEntries: number, private readonly maxBytes: number) {}
  get count(): number { return this.map.size; }
  get totalBytes(): number { return this.bytes; }
  get(k: string): V | undefined {
    const e = this.map.get(k);
    if (!e) return undefined;
    this.map.delete(k);
    this.map.set(k, e);
    return e.v;
  }
  set(k: string, v: V, size = 1): void {
    const old = this.map.get(k);
    if (old) { this.bytes -= old.size; this.map.delete(k); }
    this.map.set(k, { v, size });
    this.bytes += size;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const first = this.map.keys().next().value as string;
      this.bytes -= this.map.get(first)!.size;
      this.map.delete(first);
    }
  }
}

export class ManifestStore {
  private readonly memory = new Lru<StoredManifest>(4096, 64 * 1024 * 1024);
  private readonly tags = new Lru<TagEntry>(100_000, 100_000);
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.tmp = path.join(root, 'tmp');
  }

  /** Sizes of the in-memory caches (for metrics). */
  memoryStats(): { manifests: number; manifestBytes: number; tags: number } {
    return { manifests: this.memory.count, manifestBytes: this.memory.totalBytes, tags: this.tags.count };
  }

  private manifestPath(digest: string): string {
    const alg = digest.slice(0, digest.indexOf(':'));
    return path.join(this.root, 'manifests', alg, digestHex(digest));
  }

  private tagPath(upstream: string, repository: string, tag: string): string {
    // Repository components cannot start with "_", so "_tags" never collides with a name.
    return path.join(this.root, 'tags', upstream, repository, '_tags', tag);
  }

  async get(digest: string): Promise<StoredManifest | undefined> {
    const hit = this.memory.get(digest);
    if (hit) return hit;
    const file = this.manifestPath(digest);
    try {
      const [bytes, meta] = await Promise.all([readFile(file), readFile(file + '.type', 'utf8')]);
      if (!matchesDigest(bytes, digest)) return undefined; // a damaged file is a miss, refetched and rewritten
      const m = { digest, mediaType: meta.trim(), bytes };
      this.memory.set(digest, m, bytes.length);
      return m;
    } catch {
      return undefined;
    }
  }

  /** Stores a manifest whose bytes were verified against `digest` by the caller (checked again here). */
  async put(m: StoredManifest): Promise<void> {
    if (!matchesDigest(m.bytes, m.digest)) throw new Error(`refusing to cache manifest: bytes do not match ${m.digest}`);
    const file = this.manifestPath(m.digest);
    await writeFileAtomic(file + '.type', m.mediaType, this.tmp);
    await writeFileAtomic(file, m.bytes, this.tmp);
    this.memory.set(m.digest, m, m.bytes.length);
  }

  async getTag(upstream: string, repository: string, tag: string): Promise<TagEntry | undefined> {
    const key = `${upstream}/${repository}:${tag}`;
    const hit = this.tags.get(key);
    if (hit) return hit;
    try {
      const e = JSON.parse(await readFile(this.tagPath(upstream, repository, tag), 'utf8')) as TagEntry;
      if (typeof e.digest !== 'string' || typeof e.checkedAt !== 'number') return undefined;
      this.tags.set(key, e);
      return e;
    } catch {
      return undefined;
    }
  }

  async putTag(upstream: string, repository: string, tag: string, e: TagEntry): Promise<void> {
    this.tags.set(`${upstream}/${repository}:${tag}`, e);
    await writeFileAtomic(this.tagPath(upstream, repository, tag), JSON.stringify(e), this.tmp);
  }

  /** Marks a tag fresh again in memory; the disk copy is rewritten at most once a minute. */
  async touchTag(upstream: string, repository: string, tag: string, e: TagEntry, now: number): Promise<void> {
    const old = e.checkedAt;
    const updated = { ...e, checkedAt: now };
    this.tags.set(`${upstream}/${repository}:${tag}`, updated);
    if (now - old > 60_000) await writeFileAtomic(this.tagPath(upstream, repository, tag), JSON.stringify(updated), this.tmp);
  }
}
