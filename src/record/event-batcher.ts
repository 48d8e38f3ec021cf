import type { FlightrecError } from '../errors/flightrec-error.js';
import type { BatchSink, PreparedEvent } from '../store/event-store.js';
import type { BatchingOptions } from './batching-options.js';

/** What the batcher needs of a queued event. */
export interface Batched {
  readonly row: PreparedEvent;
  /** Its blobs by hex sha256; null when it holds none. */
  readonly blobs: Map<string, Uint8Array> | null;
}

/**
 * A bound on one write's events. A producer faster than the writer thread (a tight loop of
 * appends) would otherwise hand it one transaction of tens of thousands of rows: their pages spill
 * out of SQLite's cache and their unpacked views cost the thread's GC, so that such a write took
 * ~1.6× the time per row of 1,000-row writes (profiled, bench/README.md "record").
 */
const MAX_WRITE_EVENTS = 4096;

/** Told how each write of the backlog ended, synchronously, before anything else is written. */
export interface BatchOutcome<P> {
  /** Every event of `batch` is stored, in seq order. */
  committed(batch: readonly P[]): void;
  /** The store refused `batch`, which stays in the backlog and is written again when the next batch closes or by the next flush. */
  failed(batch: readonly P[], error: FlightrecError): void;
}

/**
 * Batches one run's events by count and time into all-or-nothing transactions: a plain array and
 * one timer per batch (an rxjs Subject and operator per event cost more than the rest of the
 * recorder). A closed batch goes to the sink, which may store it on another thread; one write is
 * in flight at a time, and what closes meanwhile waits in the backlog and goes in the next writes,
 * whole batches of up to MAX_WRITE_EVENTS events each.
 * A batch whose write fails goes back to the front of the backlog, and the next write tries all
 * of it again, so the store sees the run's events in seq order or not at all.
 */
export class EventBatcher<P extends Batched> {
  /** The batch being filled: closed when it reaches batchSize, batchMs after its first event, or on flush. */
  private open: P[] = [];
  private timer: NodeJS.Timeout | null = null;
  /**
   * Closed, not yet written (or refused), in seq order: whole batches grouped into writes of at
   * most MAX_WRITE_EVENTS events (or one batch, when a batch alone is larger).
   */
  private backlog: P[][] = [];
  /** The batch the sink is writing, until its done is called. */
  private inFlight: readonly P[] | null = null;
  /** Failures since the last flushSync began: a flush tries each batch once. */
  private failures = 0;
  /** run.ended's seq and status: the batch that stores it also sets the run's status, in one transaction. */
  private ending: { seq: number; status: string } | null = null;

  constructor(
    private readonly sink: BatchSink,
    private readonly run: { pk: number; id: string },
    /** seq of the run's last stored event (-1 for a new run). */
    private storedHead: number,
    private readonly options: Pick<BatchingOptions, 'batchSize' | 'batchMs'>,
    private readonly outcome: BatchOutcome<P>,
  ) {}

  /** Adds to the open batch; a full batch is closed now, a new one arms the batch timer (unref'd: an idle recorder keeps no process alive). */
  add(p: P): void {
    this.open.push(p);
    if (this.open.length >= this.options.batchSize) this.closeBatch();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.closeBatch(), this.options.batchMs);
      this.timer.unref();
    }
  }

  /** The event at `seq` is run.ended: the write that stores it sets the run's status too. */
  endsAt(seq: number, status: string): void {
    this.ending = { seq, status };
  }

  /**
   * Writes the open batch and the backlog and returns once the sink has answered; the outcome
   * says how it went. A batch refused while draining is not tried again by this flush (one refused
   * just before it, and settled as it begins, is tried once more, as the next closed batch would).
   */
  flushSync(): void {
    this.failures = 0;
    this.closeBatch();
    this.sink.drainSync();
    // Each settled write posts the next, so one drain usually empties the backlog; a write that
    // had failed before this flush is left there and goes now, once.
    while (this.failures === 0 && this.backlog.length > 0 && this.inFlight === null) {
      this.writeBacklog();
      this.sink.drainSync();
    }
  }

  /** Disarms the batch timer; what is still open stays unwritten. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Moves the open batch to the backlog and writes it unless a write is in flight. */
  private closeBatch(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.open.length === 0) return;
    const batch = this.open;
    this.open = [];
    const last = this.backlog[this.backlog.length - 1];
    if (last === undefined || last.length + batch.length > MAX_WRITE_EVENTS) this.backlog.push(batch);
    else for (const p of batch) last.push(p);
    // A write that finished while the agent kept the event loop busy is settled here, and its
    // settlement writes the backlog, this batch included; otherwise the thread would idle until
    // the agent yields, and the backlog would grow into one late, large write.
    if (this.inFlight !== null) this.sink.poll?.();
    this.writeBacklog();
  }

  private writeBacklog(): void {
    if (this.inFlight !== null) return;
    const batch = this.backlog.shift();
    if (batch === undefined) return;
    this.inFlight = batch;
    const blobs = new Map<string, Uint8Array>();
    for (const p of batch) if (p.blobs !== null) for (const [k, v] of p.blobs) blobs.set(k, v);
    const ends = this.ending !== null && batch.some((p) => p.row.seq === this.ending!.seq);
    this.sink.write(this.run, this.storedHead, batch.map((p) => p.row), blobs, ends ? this.ending!.status : undefined, (error) => this.settled(batch, error));
  }

  private settled(batch: readonly P[], error: FlightrecError | null): void {
    this.inFlight = null;
    if (error !== null) {
      this.failures++;
      this.backlog.unshift([...batch]);
      this.outcome.failed(batch, error);
      return;
    }
    this.storedHead = batch[batch.length - 1]!.row.seq;
    this.outcome.committed(batch);
    // What closed while this one was written goes now, as the next write.
    this.writeBacklog();
  }
}
