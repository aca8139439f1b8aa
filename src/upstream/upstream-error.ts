/** Failures talking to an upstream, with what the client needs to hear (which upstream, Retry-After). */

export type UpstreamFailure = 'network' | 'timeout' | 'status' | 'breaker' | 'auth' | 'loop';

export class UpstreamError extends Error {
  constructor(
    readonly upstream: string,
    readonly failure: UpstreamFailure,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}
