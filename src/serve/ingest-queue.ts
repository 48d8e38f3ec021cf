/**
 * The server's bounded write queue. A batch takes a place when its request arrives (so bodies
 * being received count too) and gives it back when answered; past `capacity` places the server
 * answers 429 instead of buffering without bound. Jobs run one at a time, in arrival order:
 * SQLite has one writer, and a run's batches must be applied in the order they were accepted.
 */
export class IngestQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private taken = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Places taken now. */
  get size(): number {
    return this.taken;
  }

  /** Takes a place; false when the queue is full. */
  enter(): boolean {
    if (this.taken >= this.capacity) return false;
    this.taken++;
    return true;
  }

  /** Gives a place back. */
  leave(): void {
    this.taken--;
    if (this.taken === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Runs `job` after every job queued before it. */
  serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every place is given back (SIGTERM drains through this). */
  drained(): Promise<void> {
    return this.taken === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
