import { DEFAULT_BLOB_THRESHOLD } from '../store/prepare-event.js';

/** 'batch': emit resolves once the event is queued; 'commit': once its transaction has committed. */
export type Durability = 'batch' | 'commit';

export interface BatchingOptions {
  durability: Durability;
  /** A batch is written when it holds this many events... */
  batchSize: number;
  /** ...or this many ms after its first event, whichever comes first. */
  batchMs: number;
  blobThreshold: number;
  /**
   * Bound on the bytes (encoded payloads and blobs) of events emitted but not yet committed. A
   * full batch is written as soon as the bound is reached; while the store keeps refusing (a full
   * disk), events past it are not taken: `append` throws BufferFullError, and `emit` waits for
   * room or rejects with it, as `whenBufferFull` says. What was acknowledged stays queued.
   */
  maxBufferedBytes: number;
  whenBufferFull: 'wait' | 'reject';
  /**
   * 'thread': closed batches are written by the store's writer thread while the agent goes on
   * (SQLite files; a store without one writes inline). 'inline': on the recording thread, in the
   * call that closes the batch, for writers that must see each batch stored before they return
   * (an import inside one transaction).
   */
  writer: 'thread' | 'inline';
  /**
   * true: once the run has ended (`end`, `close`), its events are compacted into segments
   * (store/compact-run.ts), so the run is small without a separate `flightrec compact`. SQLite
   * only. Ending then waits for the compaction, ~26 µs per event on the project's machine; a
   * compaction that fails changes nothing and is reported in `RecordingRun.compaction`.
   */
  compact: boolean;
}

/** 256 MiB: a few full batches of large tensors, far below what a training process can spare. */
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

export const DEFAULT_BATCHING: BatchingOptions = { durability: 'batch', batchSize: 1000, batchMs: 50, blobThreshold: DEFAULT_BLOB_THRESHOLD, maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES, whenBufferFull: 'wait', writer: 'thread', compact: false };

/** Where an emitted event is (or will be) stored. `duplicate` when its id was already recorded and nothing was added. */
export interface EventRef {
  readonly run: string;
  readonly seq: number;
  readonly id: string;
  readonly duplicate: boolean;
}
