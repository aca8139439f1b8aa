/**
 * In-process memory of verdicts by key. A keyed verdict never changes, so it is kept until
 * evicted (oldest first) or until its `validUntil` passes.
 */
import type { Verdict } from '../verdicts/types.js';

export class VerdictMemo {
  private readonly map = new Map<string, { verdict: Verdict; until: number }>();

  constructor(private readonly maxEntries = 20_000) {}

  /** No reordering on a hit (the warm path stays a single lookup): the oldest insertion is evicted first. */
  get(key: string, nowMs: number): Verdict | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.until <= nowMs) {
      this.map.delete(key);
      return undefined;
    }
    return e.verdict;
  }

  set(key: string, verdict: Verdict): void {
    const until = verdict.validUntil ? Date.parse(verdict.validUntil) : Infinity;
    this.map.delete(key);
    this.map.set(key, { verdict, until: Number.isNaN(until) ? 0 : until });
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/** A stored verdict is reusable until its validUntil. */
export function stillValid(v: Verdict, nowMs: number): boolean {
  return !v.validUntil || Date.parse(v.validUntil) > nowMs;
}
