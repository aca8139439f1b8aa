/**
 * What the gate tells other parts (webhooks, audit, tests): typed events on one emitter.
 * pull.denied         a client was refused (policy, or onError: deny)
 * image.newly_denied  a digest allowed before is denied after a database change (rescan)
 * scan.failed         a scan or its inputs failed; the verdict followed policy.onError
 * verdict             every verdict decided (not cache hits)
 * rescan.finished     a rescan round after a database change is done
 * The last argument of the first three is the trace of the work that raised them (webhook spans link to it).
 */
import { EventEmitter } from 'node:events';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Verdict } from '../verdicts/types.js';

export interface PullContext {
  upstream: string;
  repository: string;
  reference?: string;
  principal?: string;
}

export interface GateEventMap {
  'pull.denied': [verdict: Verdict, pull: PullContext, trace?: TraceContext];
  'image.newly_denied': [verdict: Verdict, previous: Verdict, trace?: TraceContext];
  'scan.failed': [verdict: Verdict, error: string, trace?: TraceContext];
  verdict: [verdict: Verdict];
  'rescan.finished': [summary: { dbVersion: string; digests: number; newlyDenied: number; failed: number }];
}

export class GateEvents extends EventEmitter<GateEventMap> {
  constructor() {
    super({ captureRejections: true });
    this.setMaxListeners(50);
  }

  /** Emits without letting a listener's exception reach the gate. */
  safeEmit<K extends keyof GateEventMap>(event: K, ...args: GateEventMap[K]): void {
    try {
      (this.emit as (e: K, ...a: GateEventMap[K]) => boolean)(event, ...args);
    } catch {
      // listeners own their failures
    }
  }
}
