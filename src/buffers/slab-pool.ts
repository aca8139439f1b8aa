/**
 * Reused read buffers for blob downloads. A fresh 1 MiB buffer per socket read means fresh pages per
 * read (page faults, and on VMs whose free memory goes back to the host, a trip through the
 * hypervisor) plus external-memory GC pressure; recycling a few dozen slabs keeps a cold download at
 * memory-copy cost. Slabs are SharedArrayBuffers, so the digest worker reads them without a copy.
 *
 * Ownership is counted: `take(view)` adds a holder, `release(view)` drops one; at zero the slab goes
 * back to the pool. Whoever got a slab from `allocate` holds the first count. A view that is never
 * released is simply collected by the GC (the pool then allocates a new slab), so forgetting to
 * release costs memory churn, never correctness; releasing too early would hand out bytes still in
 * use, so every holder releases exactly once, after its last use.
 */

interface Slab { refs: number }

export class SlabPool {
  private readonly free: SharedArrayBuffer[] = [];
  private readonly slabs = new WeakMap<ArrayBufferLike, Slab>();
  /** slabs handed out and not yet returned (for tests and metrics) */
  outstanding = 0;

  constructor(readonly slabSize: number, private readonly maxFree: number) {}

  /** A slab-sized buffer whose one holder is the caller. */
  allocate(): Buffer {
    const sab = this.free.pop() ?? new SharedArrayBuffer(this.slabSize);
    this.slabs.set(sab, { refs: 1 });
    this.outstanding++;
    return Buffer.from(sab);
  }

  /** Whether `view` lies in a slab of this pool that is currently handed out. */
  owns(view: Uint8Array): boolean {
    return (this.slabs.get(view.buffer)?.refs ?? 0) > 0;
  }

  /** Adds a holder of the slab under `view` (no-op for other buffers). */
  take(view: Uint8Array): void {
    const s = this.slabs.get(view.buffer);
    if (s && s.refs > 0) s.refs++;
  }

  /** Drops a holder; the last one returns the slab to the pool. */
  release(view: Uint8Array): void {
    const s = this.slabs.get(view.buffer);
    if (!s || s.refs <= 0) return;
    if (--s.refs > 0) return;
    this.outstanding--;
    if (this.free.length < this.maxFree) this.free.push(view.buffer as SharedArrayBuffer);
  }

  get freeCount(): number {
    return this.free.length;
  }
}

/**
 * The process's pool for upstream blob reads: 1 MiB slabs, at most 64 MiB kept idle. The cap is
 * above what downloads hold at once (their bounds, see Download), so slabs are reused rather than
 * dropped: a dropped slab is freed only once the digest worker's heap is collected too.
 */
export const readSlabs = new SlabPool(1024 * 1024, 64);
