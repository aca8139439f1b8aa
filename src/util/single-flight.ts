/** One in-flight computation per key; concurrent callers share its promise. */
export class SingleFlight<V> {
  private readonly pending = new Map<string, Promise<V>>();

  get size(): number { return this.pending.size; }

  has(key: string): boolean { return this.pending.has(key); }

  run(key: string, fn: () => Promise<V>): Promise<V> {
    const existing = this.pending.get(key);
    if (existing) return existing;
    const p = (async () => fn())().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}
