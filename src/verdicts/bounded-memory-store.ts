/** The memory:// keyv store: a Map bounded by entry count, least recently used dropped first. */
import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

export class BoundedMemoryStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts = { dialect: 'memory' };
  namespace?: string;
  private readonly map = new Map<string, { value: unknown; expires?: number }>();

  constructor(private readonly maxEntries = 100_000) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.expires !== undefined && e.expires <= Date.now()) return undefined;
    this.map.set(key, e);
    return e.value as StoredData<Value>;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    this.map.delete(key);
    this.map.set(key, { value, ...(typeof ttl === 'number' && ttl > 0 ? { expires: Date.now() + ttl } : {}) });
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.map.delete(key);
  }

  async clear(): Promise<void> {
    this.map.clear();
  }
}
