import type { Kysely, Selectable } from 'kysely';
import { FlightrecError } from '../errors/flightrec-error.js';
import type { EventsTable, FlightrecDatabase, RunsTable } from './database-schema.js';
import type { ChainedEnvelope } from './hash-chain.js';
import type { EventSegments } from './event-segments.js';

export type RunRow = Selectable<RunsTable>;
export type EventRow = Selectable<EventsTable>;

/** An event ready to be stored: seq assigned, payload encoded, chain hash computed (the chained envelope minus the run, which the store knows). */
export type PreparedEvent = Omit<ChainedEnvelope, 'run'> & {
  payload: Uint8Array;
  hash: Uint8Array;
};

export interface NewRun {
  id: string;
  name: string | null;
  env: string | null;
  backend: string | null;
  sourceRun: string | null;
  /** Creation time in ms since the epoch (default: now); an import keeps the original run's. */
  createdAt?: number;
  /** Where an imported run came from (the NDJSON file, the store copied from); absent for a run recorded here. */
  importedFrom?: string | null;
}

/** Which of a run's events to read; every filter is optional and they combine with AND. */
export interface EventFilter {
  types?: readonly string[];
  episode?: number;
  stepFrom?: number;
  stepTo?: number;
  decision?: number;
  component?: string;
  seqFrom?: number;
  seqTo?: number;
}

/** A page of events of every run in the order a follower reads them, and the position to read on from. */
export interface GlobalPage {
  rows: (EventRow & { run: string })[];
  /** Opaque: pass it back as `after` (null when nothing has been read yet). */
  next: string | null;
}

/**
 * Where a recorder sends its closed batches: appendBatch's contract, but a write may finish
 * later, on another thread. Writes of one run are posted one at a time, and each is stored
 * whole or not at all.
 */
export interface BatchSink {
  /** Starts storing the batch; `done` is called exactly once: with null once it is committed, or with the error that left nothing of it stored. */
  write(run: { pk: number; id: string }, expectedHead: number, events: readonly PreparedEvent[], blobs: ReadonlyMap<string, Uint8Array>, status: string | undefined, done: (error: FlightrecError | null) => void): void;
  /** Returns once every write started has called its `done`, without the event loop (exit and signal handlers flush through it). */
  drainSync(): void;
  /**
   * Calls `done` for every write that has finished by now, without waiting and without the event
   * loop: an agent whose loop never yields to it would otherwise see no write finish until the end.
   * A sink whose writes are done before `write` returns needs none.
   */
  poll?(): void;
}

/** Which database holds the event log. */
export type StoreKind = 'sqlite' | 'postgres';

/**
 * The event log as everything above src/store sees it, whatever database holds it. Events are
 * appended per run in batches; `seq` is gapless per run from 0 and every event's hash chains to
 * the previous one. Reads are async; the members marked synchronous exist because their callers
 * cannot await (payload decoding, replay inside a component call, exit handlers), and every store
 * must answer them without awaiting (docs/design.md, "Stores").
 */
export interface EventStore {
  readonly kind: StoreKind;
  /** The file path or the server URL (password removed): how messages name the store and what tells two stores apart. */
  readonly location: string;
  /** Query builder for portable reads; SQL that only one database understands stays inside its store. */
  readonly db: Kysely<FlightrecDatabase>;
  /** False once closed: a writer that was dropped with events still queued will never store them. */
  readonly isOpen: boolean;

  /** Creates an empty run (head seq -1, status 'recording'); StoreWriteError when the database refuses (id taken...). */
  createRun(run: NewRun): Promise<RunRow>;
  findRun(id: string): Promise<RunRow | undefined>;
  /** The run, or NotFoundError naming the id and a few runs that do exist. */
  getRun(id: string): Promise<RunRow>;
  /** All runs, newest first. */
  listRuns(): Promise<RunRow[]>;
  setStatus(runPk: number, status: string): Promise<void>;

  /**
   * Appends a batch atomically and synchronously (exit and signal handlers flush through it).
   * When the stored head is not `expectedHead`, another writer appended: ConcurrencyError with
   * nothing written. Blobs go in the same transaction; `status`, when given, is set in it too.
   */
  appendBatch(run: { pk: number; id: string }, expectedHead: number, events: readonly PreparedEvent[], blobs: ReadonlyMap<string, Uint8Array>, status?: string): void;

  /**
   * Runs `fn` in one write transaction: every appendBatch, createRun and setStatus inside it
   * commits together or not at all (an import is all-or-nothing).
   */
  writeTransaction<T>(fn: () => Promise<T>): Promise<T>;

  /** The chain hashes of a run's first `count` events in seq order, synchronously. */
  readHashes(runPk: number, count: number): Uint8Array[];
  /** Where an event with this writer-chosen id is stored, if anywhere, synchronously. */
  findEventById(id: string): { run: string; seq: number; hash: Uint8Array } | undefined;
  /** A blob's stored size by sha256 without reading it; undefined when missing. Synchronous. */
  blobSizeSync(hash: Uint8Array): number | undefined;
  /** A blob's bytes by sha256, verified against the hash (BlobIntegrityError otherwise). Synchronous. */
  getBlob(hash: Uint8Array, options?: { bypassCache?: boolean }): Uint8Array;

  /** One page of a run's events with seq greater than `afterSeq`, in seq order. */
  readPage(runPk: number, filter: EventFilter, afterSeq: number, limit: number): Promise<EventRow[]>;
  /** Rows of a run in seq order from `fromSeq`. */
  readBySeq(runPk: number, fromSeq: number, limit: number): Promise<EventRow[]>;
  /** A component's updates and checkpoints in a seq range, synchronously (replay materialises a component mid-decision). */
  componentHistorySync(runPk: number, component: string, seqFrom: number, seqTo: number): EventRow[];
  /**
   * Up to `limit` events of the given types with seq in [seqFrom, seqTo], in seq order,
   * synchronously: a rebuild derives a by-reference minibatch from them mid-decision.
   */
  eventsOfTypesSync(runPk: number, types: readonly string[], seqFrom: number, seqTo: number, limit: number): EventRow[];

  /**
   * Events of all runs after the global position `after` (null: from the start), in an order
   * that never changes once read: an event committed later by a slower writer always comes after
   * what a follower has already read, so following `next` never skips one.
   */
  readGlobal(after: string | null, limit: number): Promise<GlobalPage>;

  /**
   * A sink that writes on a thread of its own, one per store, when this store has one (a SQLite
   * file opened for writing); null when batches are best written by appendBatch here.
   */
  writeThread?(): BatchSink | null;

  /**
   * Compacted runs' events (SQLite's, src/store/compact-run.ts). A compacted run has no rows in the
   * events table, so a reader that queries the table itself asks here first; a store without
   * compaction has none.
   */
  readonly segments?: EventSegments;

  close(): Promise<void>;
}

/** appendBatch as a BatchSink: each write is done before `write` returns. */
export function inlineSink(store: Pick<EventStore, 'appendBatch'>): BatchSink {
  return {
    write(run, expectedHead, events, blobs, status, done) {
      try {
        store.appendBatch(run, expectedHead, events, blobs, status);
      } catch (e) {
        done(asWriteError(e));
        return;
      }
      done(null);
    },
    drainSync() {},
  };
}

/** A thrown write failure as the store's error (a driver's own error is wrapped, never passed on bare). */
function asWriteError(e: unknown): FlightrecError {
  return e instanceof FlightrecError ? e : new FlightrecError('STORE_WRITE_FAILED', String(e), {}, { cause: e });
}
