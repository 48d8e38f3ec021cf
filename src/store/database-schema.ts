import type { Generated } from 'kysely';

/**
 * Kysely's view of the tables created by migrations/. Row types for SQL, not event types:
 * event payloads stay binary here and are typed by src/events.
 */
export interface RunsTable {
  pk: Generated<number>;
  /** Public run id (what users type). */
  id: string;
  name: string | null;
  created_at: number;
  /** 'recording' until run.ended is written, then its status: completed | failed | interrupted. */
  status: string;
  source_run: string | null;
  env: string | null;
  backend: string | null;
  /** seq of the last stored event, -1 for none; with head_hash, the run's head. */
  head_seq: number;
  head_hash: Uint8Array | null;
  /** Where an imported run came from (`flightrec import` file, `flightrec copy` source); null for a run recorded here. */
  imported_from: string | null;
  /** Bytes of the run's event payloads (blobs, shared between runs, not counted): kept by every append, read without a scan. */
  payload_bytes: Generated<number>;
}

export interface EventsTable {
  /** Global position across all runs, in append order. */
  pos: Generated<number>;
  run_pk: number;
  seq: number;
  /** Writer-chosen id; NULL means the default `<run>:<seq>`. */
  id: string | null;
  type: string;
  /** eventTypeId(type), the key of the (run, type id, seq) index; derived, not covered by the chain (verification checks it). */
  type_id: number | null;
  v: number;
  t: number;
  episode: number | null;
  step: number | null;
  decision: number | null;
  component: string | null;
  version: string | null;
  parent: number | null;
  payload: Uint8Array;
  hash: Uint8Array;
}

export interface BlobsTable {
  hash: Uint8Array;
  size: number;
  bytes: Uint8Array;
}

/** A projection of the event log: per run and decision id, the seqs of the decision's first and last event. */
export interface DecisionSpansTable {
  run_pk: number;
  decision: number;
  first_seq: number;
  last_seq: number;
}

/** The same per run and episode. */
export interface EpisodeSpansTable {
  run_pk: number;
  episode: number;
  first_seq: number;
  last_seq: number;
}

export interface FlightrecDatabase {
  runs: RunsTable;
  events: EventsTable;
  blobs: BlobsTable;
  decision_spans: DecisionSpansTable;
  episode_spans: EpisodeSpansTable;
}
