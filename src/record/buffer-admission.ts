import type { EventRef } from './batching-options.js';

/** What the buffer asks of the run it bounds. */
export interface BufferOwner {
  /** Writes what can be written now; what commits leaves the buffer through `release`. */
  flushSync(): void;
  /** Records an emit that waited, without checking the bound again (room was just seen). */
  admit(event: unknown): Promise<EventRef>;
  /** False once the run takes no more events: nothing waiting is let in after that. */
  isOpen(): boolean;
}

/** An emit waiting for room in a full buffer. */
interface Waiting {
  event: unknown;
  resolve: (ref: EventRef) => void;
  reject: (e: unknown) => void;
}

/**
 * The bound on a run's bytes emitted and not yet committed (maxBufferedBytes), and the line of
 * emits waiting for room while the store refuses writes. Waiting emits get in in order, so an
 * emit never overtakes one that came before it.
 */
export class BufferAdmission {
  private held = 0;
  private readonly waiting: Waiting[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly owner: BufferOwner,
  ) {}

  /** Bytes of events emitted and not yet committed. */
  get bytes(): number {
    return this.held;
  }

  /** An event may not go in now: emits wait before it, or the buffer is past the bound after writing what can be written. */
  mustWait(): boolean {
    return this.waiting.length > 0 || this.isFull();
  }

  /** `size` bytes of an accepted event are held until it commits. */
  hold(size: number): void {
    this.held += size;
  }

  /** An event of `size` bytes committed. */
  release(size: number): void {
    this.held -= size;
  }

  /** Queues the emit until there is room; settles as the owner's `admit` does for it. */
  wait(event: unknown): Promise<EventRef> {
    return new Promise<EventRef>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.scheduleRetry();
    });
  }

  /** The run ended: emits still waiting were never acknowledged, so they are refused (with `error()`), not lost. */
  refuseWaiting(error: () => unknown): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const w of this.waiting.splice(0)) w.reject(error());
  }

  /** Past the bound after writing what can be written: the store is refusing, or the backlog would not shrink. */
  private isFull(): boolean {
    if (this.held < this.maxBytes) return false;
    this.owner.flushSync();
    return this.held >= this.maxBytes;
  }

  /** While emits wait for room, retry the backlog with a growing pause (100 ms to 2 s). */
  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryMs = Math.min(2000, this.retryMs === 0 ? 100 : this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.owner.flushSync();
      this.admitWaiting();
      if (this.waiting.length > 0) this.scheduleRetry();
      else this.retryMs = 0;
    }, this.retryMs);
  }

  /** Lets waiting emits in, in order, while there is room. */
  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.owner.isOpen() && this.held < this.maxBytes) {
      const w = this.waiting.shift()!;
      this.owner.admit(w.event).then(w.resolve, w.reject);
    }
  }
}
