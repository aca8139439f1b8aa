/**
 * The scan queue: p-queue with `policy.scanConcurrency` scans at once, pulls before background
 * rescans (a queued rescan is promoted when a pull asks for the same work), depth exported as
 * portcullis_scan_queue_depth.
 */
import PQueue from 'p-queue';
import type { Metrics } from '../telemetry/metrics.js';
import { tracer } from '../telemetry/spans.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import type { TraceContext } from '../telemetry/trace-context.js';

export type ScanPriority = 'pull' | 'rescan';
const PRIORITY: Record<ScanPriority, number> = { pull: 10, rescan: 0 };

export class ScanQueue {
  readonly queue: PQueue;
  private readonly queued = new Set<string>();
  private readonly closing = new AbortController();

  constructor(concurrency: number, private readonly metrics: Metrics) {
    this.queue = new PQueue({ concurrency });
    const publish = () => this.metrics.scanQueueDepth.set(this.queue.size);
    this.queue.on('add', publish);
    this.queue.on('next', publish);
    this.queue.on('active', publish);
  }

  /** Runs `work` when a slot is free; `id` names the work so a later pull can promote it. The wait is a span in `trace`. */
  run<T>(id: string, priority: ScanPriority, trace: TraceContext, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const enqueued = performance.now();
    const waitSpan = tracer.startSpan(SpanName.queueWait, {}, trace);
    this.queued.add(id);
    return this.queue.add(async () => {
      this.queued.delete(id);
      waitSpan.setAttribute(Attr.queueWaitMs, Math.round(performance.now() - enqueued));
      waitSpan.end();
      return work(this.closing.signal);
    }, { priority: PRIORITY[priority], id, signal: this.closing.signal }).finally(() => {
      this.queued.delete(id);
      if (waitSpan.isRecording()) waitSpan.end();
    }) as Promise<T>;
  }

  /** Moves queued work ahead (a pull now waits for what a rescan queued). */
  promote(id: string): void {
    if (this.queued.has(id)) {
      try {
        this.queue.setPriority(id, PRIORITY.pull);
      } catch {
        // started meanwhile
      }
    }
  }

  get waiting(): number { return this.queue.size; }
  get running(): number { return this.queue.pending; }

  /** Rejects queued work, aborts running scans and waits for them to stop. */
  async close(): Promise<void> {
    this.closing.abort(new Error('the gateway is shutting down'));
    this.metrics.scanQueueDepth.set(0);
    await this.queue.onIdle();
  }
}
