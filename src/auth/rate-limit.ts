/**
 * Per-caller token buckets: `rate` requests per second sustained, up to `burst` at once.
 * Keys are token names (anonymous callers: their client address). Idle full buckets are dropped,
 * and the number of buckets is bounded so a flood of addresses cannot grow memory without limit.
 */

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updated: number; // ms
}

const MAX_BUCKETS = 50_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly rate: number, readonly burst: number) {}

  get enabled(): boolean {
    return this.rate > 0;
  }

  take(key: string, now = Date.now()): Admission {
    if (!this.enabled) return { ok: true };
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(now);
      b = { tokens: this.burst, updated: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.updated) / 1000) * this.rate);
      b.updated = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.rate)) };
  }

  /** Drops buckets that have refilled completely (they behave exactly like new ones). */
  prune(now = Date.now()): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.updated) / 1000) * this.rate >= this.burst) this.buckets.delete(k);
    }
    // still full of active callers: drop the oldest half rather than grow
    if (this.buckets.size >= MAX_BUCKETS) {
      let n = this.buckets.size / 2;
      for (const k of this.buckets.keys()) { if (n-- <= 0) break; this.buckets.delete(k); }
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
