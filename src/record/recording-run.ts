import { Subject, type Observable } from 'rxjs';
import { defaultEventId } from '../events/envelope.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import { StoreWriteError } from '../store/store-errors.js';
import { parseEventInput, type EventInput, type RecordedEvent } from '../events/registry.js';
import { inlineSink, type EventStore } from '../store/event-store.js';
import { storedEnvelope } from '../store/stored-envelope.js';
import { PendingIds } from './pending-ids.js';
import type { BatchingOptions, EventRef } from './batching-options.js';
import { BufferFullError, RunClosedError } from './recording-errors.js';
import { EventBatcher, type Batched } from './event-batcher.js';
import { BufferAdmission } from './buffer-admission.js';
import { RunChain } from './run-chain.js';
import { untilCommitted, type CommitCallbacks } from './until-committed.js';
import { compactRun, type CompactResult } from '../store/compact-run.js';

interface Pending extends Batched {
  input: EventInput;
  ref: EventRef;
  /** Bytes it holds until committed (payload and blobs). */
  size: number;
  committed?: CommitCallbacks;
}

/**
 * The writer of one run. `emit` validates the event and links it to the RunChain at once (so
 * errors name the caller's field and refs are known immediately), then hands it to the
 * EventBatcher. A failed write keeps its rows: `flush()` and `close()` retry them and reject while
 * the store keeps refusing; past maxBufferedBytes, BufferAdmission holds emits back.
 */
export class RecordingRun {
  private readonly recorded$ = new Subject<RecordedEvent>();
  private readonly failures$ = new Subject<FlightrecError>();
  /** Writer-chosen ids of events not yet stored (still in the open batch or the backlog), of every run on this database. */
  private readonly pendingIds: PendingIds;
  private readonly batcher: EventBatcher<Pending>;
  private readonly buffer: BufferAdmission;
  private readonly chain: RunChain;
  private lastError: FlightrecError | null = null;
  private state: 'open' | 'ended' | 'closed' = 'open';
  /** With `compact`, how compacting the ended run went: its result, or why it failed (the run then stays as rows). Null before the run ends, or without `compact`. */
  compaction: { ok: true; result: CompactResult } | { ok: false; error: FlightrecError } | null = null;

  constructor(
    private readonly store: EventStore,
    readonly runPk: number,
    readonly id: string,
    head: { seq: number; hash: Uint8Array },
    readonly options: BatchingOptions,
    private readonly onClosed: (run: RecordingRun) => void,
  ) {
    this.chain = new RunChain(id, head, options.blobThreshold);
    this.pendingIds = PendingIds.of(store);
    const sink = options.writer === 'thread' ? (store.writeThread?.() ?? inlineSink(store)) : inlineSink(store);
    this.batcher = new EventBatcher<Pending>(sink, { pk: runPk, id }, head.seq, options, {
      committed: (batch) => this.committed(batch),
      failed: (batch, err) => this.failed(batch, err),
    });
    this.buffer = new BufferAdmission(options.maxBufferedBytes, {
      flushSync: () => this.flushSync(),
      admit: (event) => this.emitNow(event, false),
      isOpen: () => this.state === 'open',
    });
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
    return this.chain.seq;
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
    if (this.state === 'open' && this.buffer.mustWait()) {
      if (this.options.whenBufferFull === 'reject') return Promise.reject(this.fullError());
      return this.buffer.wait(event);
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
    // A full batch is written inside enqueue, so the callback gets the ref as an argument; a
    // duplicate's callbacks settle when its original commits (enqueue registers them).
    return untilCommitted((committed) => this.enqueue(event, committed, bounded));
  }

  private enqueue(event: unknown, committed: CommitCallbacks | undefined, bounded = true): EventRef {
    if (this.state !== 'open') throw new RunClosedError(this.id);
    if (bounded && this.buffer.mustWait()) throw this.fullError();
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
    const { row, blobs } = this.chain.next(input);
    if (input.id !== undefined) this.pendingIds.add(input.id, this.id, row.seq, this.store);
    const ref: EventRef = { run: this.id, seq: row.seq, id: input.id ?? defaultEventId(this.id, row.seq), duplicate: false };
    let size = row.payload.byteLength + 128;
    if (blobs !== null) for (const b of blobs.values()) size += b.byteLength;
    this.buffer.hold(size);
    const pending: Pending = { row, input, blobs, ref, size };
    if (committed !== undefined) pending.committed = committed;
    this.batcher.add(pending);
    return ref;
  }

  private findExisting(id: string): { ref: EventRef; pending: boolean } | undefined {
    const pending = this.pendingIds.get(id);
    if (pending !== undefined) return { ref: { run: pending.run, seq: pending.seq, id, duplicate: true }, pending: true };
    const stored = this.store.findEventById(id);
    return stored === undefined ? undefined : { ref: { run: stored.run, seq: stored.seq, id, duplicate: true }, pending: false };
  }

  private fullError(): BufferFullError {
    return new BufferFullError(this.id, this.buffer.bytes, this.options.maxBufferedBytes, this.lastError);
  }

  /** Writes everything queued so far; rejects with the store's error while it keeps failing. */
  async flush(): Promise<void> {
    this.flushSync();
    if (this.lastError !== null) throw this.lastError;
  }

  /** Synchronous flush for exit and signal handlers (better-sqlite3 writes synchronously). */
  flushSync(): void {
    this.batcher.flushSync();
  }

  private committed(batch: readonly Pending[]): void {
    this.lastError = null;
    for (const p of batch) {
      this.buffer.release(p.size);
      p.committed?.resolve(p.ref);
      if (p.input.id !== undefined) this.pendingIds.committed(p.input.id, this.id);
    }
    if (this.recorded$.observed) for (const p of batch) this.recorded$.next(toRecorded(this.id, p));
  }

  private failed(batch: readonly Pending[], err: FlightrecError): void {
    this.lastError = err;
    this.failures$.next(err);
    for (const p of batch) p.committed?.reject(err);
    for (const p of batch) delete p.committed;
    // Another writer moved the head: these events can never be stored by this writer, so their ids are free again.
    const forGood = err.code === 'RUN_HAS_ANOTHER_WRITER';
    for (const p of batch) if (p.input.id !== undefined) (forGood ? this.pendingIds.drop(p.input.id, this.id, err) : this.pendingIds.failed(p.input.id, this.id, err));
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
    if (this.state === 'open') this.queueEnded({ type: 'run.ended', ...envelope, payload: { status, reason, episodes: counts.episodes ?? null, decisions: counts.decisions ?? null } }, status);
    await this.flush();
    this.finish();
    if (this.options.compact) await this.compact();
  }

  /** The run is ended and stored whatever happens here: a compaction that fails changes nothing, and says why. */
  private async compact(): Promise<void> {
    try {
      this.compaction = { ok: true, result: await compactRun(this.store, this.id) };
    } catch (e) {
      this.compaction = { ok: false, error: e instanceof FlightrecError ? e : new StoreWriteError(`could not compact run ${this.id}: ${e instanceof Error ? e.message : String(e)}; nothing was changed`, { run: this.id }, e) };
    }
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
      this.queueEnded({ type: 'run.ended', payload: { status: 'interrupted', reason: `received ${signal}`, episodes: null, decisions: null } }, 'interrupted');
      this.flushSync();
    } catch {
      // The process is going down; what could be written was written.
    }
  }

  /** Queues run.ended past the bound (ending never waits for room) and takes no more events. */
  private queueEnded(ended: EventInput, status: string): void {
    this.batcher.endsAt(this.enqueue(ended, undefined, false).seq, status);
    this.state = 'ended';
    this.buffer.refuseWaiting(() => new RunClosedError(this.id));
  }

  private finish(): void {
    this.state = 'closed';
    this.batcher.stop();
    this.recorded$.complete();
    this.failures$.complete();
    this.onClosed(this);
  }
}

function toRecorded(run: string, p: Pending): RecordedEvent {
  return { ...storedEnvelope(run, p.row), payload: p.input.payload } as RecordedEvent;
}
