/** A circuit breaker per upstream: after `maxFailures` consecutive failures it fails fast for `cooldownMs`, then lets one trial through. */

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(private readonly maxFailures: number, private readonly cooldownMs: number, private readonly now: () => number = Date.now) {}

  get state(): BreakerState {
    if (this.failures < this.maxFailures) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a trial is allowed (0 when requests may go). */
  retryAfterMs(): number {
    return this.state === 'open' ? this.cooldownMs - (this.now() - this.openedAt) : 0;
  }

  /** May a request go now? In half-open, only one trial at a time. */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.failures >= this.maxFailures) this.openedAt = this.now();
  }
}
