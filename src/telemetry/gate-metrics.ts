/** Metrics from the gate's events that the gate does not count itself. */
import type { Metrics } from './metrics.js';

interface Emitter {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
}

/** Counts `pull.denied` events (verdict, pull context) per upstream; returns the unsubscribe function. */
export function countGateEvents(events: Emitter, metrics: Metrics): () => void {
  const denied = (verdict?: { upstream?: unknown }, pull?: { upstream?: unknown }) => {
    const upstream = pull?.upstream ?? verdict?.upstream;
    metrics.pullDenials.inc({ upstream: typeof upstream === 'string' ? upstream : 'unknown' });
  };
  events.on('pull.denied', denied);
  return () => { events.off?.('pull.denied', denied); };
}
