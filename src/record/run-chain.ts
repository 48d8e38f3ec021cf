import { FlightrecError } from '../errors/flightrec-error.js';
import { KnownBlobs } from '../events/known-blobs.js';
import type { EventInput } from '../events/registry.js';
import type { PreparedEvent } from '../store/event-store.js';
import { prepareEvent } from '../store/prepare-event.js';
import { RowArena } from '../store/row-arena.js';

/**
 * The head of one run's hash chain as its writer sees it: each event gets the next seq and is
 * encoded and chained when it is emitted, not when its batch is written, so a ref is known at once
 * and an encoding error reaches the caller that caused it.
 */
export class RunChain {
  private nextSeq: number;
  private headHash: Uint8Array;
  private readonly knownBlobs = new KnownBlobs();
  private readonly arena = new RowArena();
  /** Collects one event's blobs; the map is made on the first one (most events hold none). */
  private readonly collect = {
    blobs: null as Map<string, Uint8Array> | null,
    set(k: string, v: Uint8Array): void {
      (this.blobs ??= new Map()).set(k, v);
    },
  };

  constructor(
    private readonly run: string,
    /** The run's last stored event (seq -1 for a new run). */
    head: { seq: number; hash: Uint8Array },
    private readonly blobThreshold: number,
  ) {
    this.nextSeq = head.seq + 1;
    this.headHash = head.hash;
  }

  /** seq the next event will get. */
  get seq(): number {
    return this.nextSeq;
  }

  /**
   * `input` as the run's next row, with the blobs its payload references (null when none). When
   * it throws (run.started past seq 0, a payload that cannot be encoded), the chain is unchanged.
   */
  next(input: EventInput): { row: PreparedEvent; blobs: Map<string, Uint8Array> | null } {
    if (input.type === 'run.started' && this.nextSeq !== 0) {
      throw new FlightrecError('INVALID_EVENT', `run.started may only be the first event of a run (seq 0), not seq ${this.nextSeq}`, { type: input.type });
    }
    const collect = this.collect;
    collect.blobs = null;
    const row = prepareEvent(input, this.run, this.nextSeq, this.headHash, collect, this.blobThreshold, this.knownBlobs, this.arena);
    const blobs = collect.blobs as Map<string, Uint8Array> | null;
    collect.blobs = null;
    this.nextSeq++;
    this.headHash = row.hash;
    return { row, blobs };
  }
}
