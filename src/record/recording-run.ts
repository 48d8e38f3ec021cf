import { Subject, type Observable } from 'rxjs';
import { defaultEventId } from '../events/envelope.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import { parseEventInput, type EventInput, type RecordedEvent } from '../events/registry.js';
import type { PreparedEvent, EventStore } from '../store/event-store.js';
import { KnownBlobs } from '../events/known-blobs.js';
import { storedEnvelope } from '../store/stored-envelope.js';
import { PendingIds } from './pending-ids.js';
import { prepareEvent } from '../store/prepare-event.js';
import type { BatchingOptions, EventRef } from './batching-options.js';
import { BufferFullError, RunClosedError } from './recording-errors.js';
import { RowArena } from '../store/row-arena.js';

interface Pending {
  row: PreparedEvent;
  input: EventInput;
  blobs: Map<string, Uint8Array> | null;
  ref: EventRef;
  /** Bytes it holds until committed (payload and blobs). */
  size: number;
  committed?: { resolve: (ref: EventRef) => void; reject: (e: unknown) => void };
}

/** An emit waiting for room in a full buffer. */
interface Waiting {
  event: unknown;
  resolve: (ref: EventRef) => void;
  reject: (e: unknown) => void;
}

/**
 * The writer of one run. `emit` validates the event, assigns its seq, encodes and chains it at
 * once (so errors name the caller's field and refs are known immediately), then batches rows by
 * count and time into all-or-nothing transactions (a plain array and one timer per batch: an rxjs
 * Subject and operator per event cost more than the rest of the recorder; rxjs stays for events$).
 * A failed write keeps its rows: `flush()` and `close()` retry them and reject while the store
 * keeps refusing.
 */
export class RecordingRun {
  /** The batch being filled: written when it reaches batchSize, batchMs after its first event, or on flush. */
  private open: Pending[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private readonly recorded$ = new Subject<RecordedEvent>();
  private readonly failures$ = new Subject<FlightrecError>();
  private backlog: Pending[] = [];
  /** Writer-chosen ids of events not yet stored (still in the open batch or the backlog), of every run on this database. */
  private readonly pendingIds: PendingIds;
  /** Bytes of events emitted and not yet committed. */
  private buffered = 0;
  private readonly waiting: Waiting[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = 0;
  private nextSeq: number;
  private headHash: Uint8Array;
  private storedHead: number;
  private lastError: FlightrecError | null = null;
  /** run.ended's seq and status: the batch that stores it also sets the run's status, in one transaction. */
  private ending: { seq: number; status: string } | null = null;
  private readonly knownBlobs = new KnownBlobs();
  private readonly arena = new RowArena();
  /** Collects one event's blobs; the map is made on the first one (most events hold none). */
  private readonly collect = {
    blobs: null as Map<string, Uint8Array> | null,
    set(k: string, v: Uint8Array): void {
      (this.blobs ??= new Map()).set(k, v);
    },
  };
  private state: 'open' | 'ended' | 'closed' = 'open';

  constructor(
    private readonly store: EventStore,
    readonly runPk: number,
    readonly id: string,
    head: { seq: number; hash: Uint8Array },
    readonly options: BatchingOptions,
    private readonly onClosed: (run: RecordingRun) => void,
  ) {
    this.nextSeq = head.seq + 1;
    this.storedHead = head.seq;
    this.headHash = head.hash;
    this.pendingIds = PendingIds.of(store);
  }

  /** Events of this run as they are committed, in seq order. */
  get events$(): Observable<RecordedEvent> {
    return this.recorded$.asObservable();
  }

  /** Write failures as they happen (the same error also rejects flush/close). */
  get errors$(): Observable<FlightrecError> {
    return this.failures$.asObservable();
  }

  /** The last write failure not yet cleared by a successful retry, or null. */
  get error(): FlightrecError | null {
    return this.lastError;
  }

  /** seq the next emitted event will get. */
  get seq(): number {
    return this.nextSeq;
  }

  /**
   * Records an event synchronously: validates (throws EventValidationError / UnknownEventTypeError
   * naming the field and value), assigns seq and queues it. In 'commit' mode durability is only
   * guaranteed once `flush()` resolves; use `emit` to wait per event.
   */
  append(event: unknown): EventRef {
    return this.enqueue(event, undefined);
  }

  /** Records an event; resolves when queued ('batch') or committed ('commit'). Rejects on invalid input. */
  emit(event: unknown): Promise<EventRef> {
    if (this.state === 'open' && (this.waiting.length > 0 || this.isFull())) {
      if (this.options.whenBufferFull === 'reject') return Promise.reject(this.fullError());
      return new Promise<EventRef>((resolve, reject) => {
        this.waiting.push({ event, resolve, reject });
        this.scheduleRetry();
      });
    }
    return this.emitNow(event);
  }

  /** `bounded` false: admitted past the waiting line (the caller made room). */
  private emitNow(event: unknown, bounded = true): Promise<EventRef> {
    if (this.options.durability === 'batch') {
      try {
        return Promise.resolve(this.enqueue(event, undefined, bounded));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<EventRef>((resolve, reject) => {
      // The batch timer is unref'd, so a caller awaiting a commit needs a ref'd handle until it settles.
      const hold = setTimeout(() => undefined, 2 ** 31 - 1);
      const release = (): void => clearTimeout(hold);
      try {
        // A full batch is written inside enqueue, so the callback gets the ref as an argument; a
        // duplicate's callbacks settle when its original commits (enqueue registers them).
        this.enqueue(event, {
          resolve: (committedRef) => {
            release();
            resolve(committedRef);
          },
          reject: (e) => {
            release();
            reject(e);
          },
        }, bounded);
      } catch (e) {
        release();
        reject(e);
      }
    });
  }

  private enqueue(event: unknown, committed: Pending['committed'], bounded = true): EventRef {
    if (this.state !== 'open') throw new RunClosedError(this.id);
    if (bounded && (this.waiting.length > 0 || this.isFull())) throw this.fullError();
    // Validated, then used as given: the schemas have no defaults or transforms, so zod's deep copy
    // would only be garbage (a third of recording time was GC before).
    parseEventInput(event);
    const input = event as EventInput;
    if (input.id !== undefined) {
      const existing = this.findExisting(input.id);
      if (existing !== undefined) {
        // In commit mode a duplicate is durable when its original is: wait for that commit.
        if (committed !== undefined) {
          if (existing.pending) this.pendingIds.wait(input.id, { resolve: () => committed.resolve(existing.ref), reject: committed.reject });
          else committed.resolve(existing.ref);
        }
        return existing.ref;
      }
    }
    if (input.type === 'run.started' && this.nextSeq !== 0) {
      throw new FlightrecError('INVALID_EVENT', `run.started may only be the first event of a run (seq 0), not seq ${this.nextSeq}`, { type: input.type });
    }
    const collect = this.collect;
    collect.blobs = null;
    const row = prepareEvent(input, this.id, this.nextSeq, this.headHash, collect, this.options.blobThreshold, this.knownBlobs, this.arena);
    const blobs = collect.blobs as Map<string, Uint8Array> | null;
    collect.blobs = null;
    this.nextSeq++;
    this.headHash = row.hash;
    if (input.id !== undefined) this.pendingIds.add(input.id, this.id, row.seq, this.store);
    const ref: EventRef = { run: this.id, seq: row.seq, id: input.id ?? defaultEventId(this.id, row.seq), duplicate: false };
    let size = row.payload.byteLength + 128;
    if (blobs !== null) for (const b of blobs.values()) size += b.byteLength;
    this.buffered += size;
    const pending: Pending = { row, input, blobs, ref, size };
    if (committed !== undefined) pending.committed = committed;
    this.queue(pending);
    return ref;
  }

  /** Adds to the open batch; a full batch is written now, a new one arms the batch timer (unref'd: an idle recorder keeps no process alive). */
  private queue(p: Pending): void {
    this.open.push(p);
    if (this.open.length >= this.options.batchSize) this.closeBatch();
    else if (this.batchTimer === null) {
      this.batchTimer = setTimeout(() => this.closeBatch(), this.options.batchMs);
      this.batchTimer.unref();
    }
  }

  /** Moves the open batch to the backlog and tries to write it; false when there was nothing to close. */
  private closeBatch(): boolean {
    if (this.batchTimer !== null) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
    if (this.open.length === 0) return false;
    const batch = this.open;
    this.open = [];
    if (this.backlog.length === 0) this.backlog = batch;
    else for (const p of batch) this.backlog.push(p);
    this.writeBacklog();
    return true;
  }

  private findExisting(id: string): { ref: EventRef; pending: boolean } | undefined {
    const pending = this.pendingIds.get(id);
    if (pending !== undefined) return { ref: { run: pending.run, seq: pending.seq, id, duplicate: true }, pending: true };
    const stored = this.store.findEventById(id);
    return stored === undefined ? undefined : { ref: { run: stored.run, seq: stored.seq, id, duplicate: true }, pending: false };
  }

  /** Past the bound after writing what can be written: the store is refusing, or the backlog would not shrink. */
  private isFull(): boolean {
    if (this.buffered < this.options.maxBufferedBytes) return false;
    this.flushSync();
    return this.buffered >= this.options.maxBufferedBytes;
  }

  private fullError(): BufferFullError {
    return new BufferFullError(this.id, this.buffered, this.options.maxBufferedBytes, this.lastError);
  }

  /** While emits wait for room, retry the backlog with a growing pause (100 ms to 2 s). */
  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryMs = Math.min(2000, this.retryMs === 0 ? 100 : this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flushSync();
      this.admitWaiting();
      if (this.waiting.length > 0) this.scheduleRetry();
      else this.retryMs = 0;
    }, this.retryMs);
  }

  /** Lets waiting emits in, in order, while there is room. */
  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.state === 'open' && this.buffered < this.options.maxBufferedBytes) {
      const w = this.waiting.shift()!;
      this.emitNow(w.event, false).then(w.resolve, w.reject);
    }
  }

  /** Writes everything queued so far; rejects with the store's error while it keeps failing. */
  async flush(): Promise<void> {
    this.flushSync();
    if (this.lastError !== null) throw this.lastError;
  }

  /** Synchronous flush for exit and signal handlers (better-sqlite3 writes synchronously). */
  flushSync(): void {
    // Closing a batch already tried the backlog; one failure reported once.
    if (!this.closeBatch() && this.backlog.length > 0) this.writeBacklog();
  }

  private writeBacklog(): void {
    if (this.backlog.length === 0) return;
    const batch = this.backlog;
    const blobs = new Map<string, Uint8Array>();
    for (const p of batch) if (p.blobs !== null) for (const [k, v] of p.blobs) blobs.set(k, v);
    try {
      const ends = this.ending !== null && batch.some((p) => p.row.seq === this.ending!.seq);
      this.store.appendBatch({ pk: this.runPk, id: this.id }, this.storedHead, batch.map((p) => p.row), blobs, ends ? this.ending!.status : undefined);
    } catch (e) {
      const err = e instanceof FlightrecError ? e : new FlightrecError('STORE_WRITE_FAILED', String(e), {}, { cause: e });
      this.lastError = err;
      this.failures$.next(err);
      for (const p of batch) p.committed?.reject(err);
      for (const p of batch) delete p.committed;
      // Another writer moved the head: these events can never be stored by this writer, so their ids are free again.
      const forGood = err.code === 'RUN_HAS_ANOTHER_WRITER';
      for (const p of batch) if (p.input.id !== undefined) (forGood ? this.pendingIds.drop(p.input.id, this.id, err) : this.pendingIds.failed(p.input.id, this.id, err));
      return;
    }
    this.backlog = [];
    this.lastError = null;
    this.storedHead = batch[batch.length - 1]!.row.seq;
    for (const p of batch) {
      this.buffered -= p.size;
      p.committed?.resolve(p.ref);
      if (p.input.id !== undefined) this.pendingIds.committed(p.input.id, this.id);
    }
    if (this.recorded$.observed) for (const p of batch) this.recorded$.next(toRecorded(this.id, p));
  }

  /**
   * Appends run.ended with the status, writes everything and marks the run ended.
   * Rejects (keeping the events for a retry) when the store refuses the write.
   */
  async end(
    status: 'completed' | 'failed' | 'interrupted' = 'completed',
    reason: string | null = null,
    counts: { episodes?: number | null; decisions?: number | null } = {},
    /** Envelope fields of run.ended chosen by a writer elsewhere (a client of `serve` sends its own time). */
    envelope: { t?: number; id?: string } = {},
  ): Promise<void> {
    if (this.state === 'open') {
      this.ending = { seq: this.enqueue({ type: 'run.ended', ...envelope, payload: { status, reason, episodes: counts.episodes ?? null, decisions: counts.decisions ?? null } }, undefined, false).seq, status };
      this.state = 'ended';
      this.rejectWaiting();
    }
    await this.flush();
    this.finish();
  }

  /** Ends the run as 'completed' if it was not ended, and releases it. Rejects when buffered events could not be written. */
  async close(): Promise<void> {
    if (this.state === 'closed') {
      if (this.lastError !== null) throw this.lastError;
      return;
    }
    await this.end('completed');
  }

  /**
   * Writes what is queued and lets go of the run without ending it: it stays 'recording', so a
   * writer can resume it later (a server that restarts keeps its clients' runs open).
   * Rejects, keeping the run open, when the store refuses the write.
   */
  async release(): Promise<void> {
    if (this.state === 'closed') return;
    await this.flush();
    this.finish();
  }

  /** Flushes synchronously and marks the run interrupted (signal handlers); best effort, never throws. */
  interruptSync(signal: string): void {
    if (this.state !== 'open') return;
    try {
      const ended = this.enqueue({ type: 'run.ended', payload: { status: 'interrupted', reason: `received ${signal}`, episodes: null, decisions: null } }, undefined, false);
      this.ending = { seq: ended.seq, status: 'interrupted' };
      this.state = 'ended';
      this.rejectWaiting();
      this.flushSync();
    } catch {
      // The process is going down; what could be written was written.
    }
  }

  /** Emits still waiting for room when the run ends were never acknowledged: they are refused, not lost. */
  private rejectWaiting(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const w of this.waiting.splice(0)) w.reject(new RunClosedError(this.id));
  }

  private finish(): void {
    this.state = 'closed';
    if (this.batchTimer !== null) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    this.recorded$.complete();
    this.failures$.complete();
    this.onClosed(this);
  }
}

function toRecorded(run: string, p: Pending): RecordedEvent {
  return { ...storedEnvelope(run, p.row), payload: p.input.payload } as RecordedEvent;
}
