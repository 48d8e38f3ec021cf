import type { EventsTable } from '../database-schema.js';
import type { NewRun } from '../event-store.js';

/** An event as it crosses to the writer thread (structured clone: plain fields and byte arrays): an events row without the keys the store assigns (the writer thread derives the type id). */
export type WireEvent = Omit<EventsTable, 'pos' | 'run_pk' | 'type_id'>;

/** What the main thread asks the PostgreSQL writer thread to do. */
export type WireRequest =
  | { op: 'ping' | 'begin' | 'commit' | 'rollback' | 'close' }
  | { op: 'createRun'; run: NewRun & { createdAt: number } }
  | { op: 'setStatus'; runPk: number; status: string }
  | { op: 'append'; runPk: number; expectedHead: number; events: WireEvent[]; blobs: [Uint8Array, Uint8Array][]; status: string | null }
  | { op: 'hashes'; runPk: number; count: number }
  | { op: 'eventById'; id: string }
  | { op: 'runStatus'; run: string }
  | { op: 'blobSize' | 'blob'; hash: Uint8Array }
  | { op: 'history'; runPk: number; component: string; seqFrom: number; seqTo: number }
  | { op: 'eventsOfTypes'; runPk: number; types: string[]; seqFrom: number; seqTo: number; limit: number };

export type WireError = { kind: 'concurrency'; expected: number; actual: number } | { kind: 'write'; message: string; code: string };

export type WireReply = { ok: true; value: unknown } | { ok: false; error: WireError };

/** A request as posted: numbered, so the answer to it is told from a late answer to an earlier one. */
export type WireCall = { n: number; req: WireRequest };

/** An answer as posted, naming the call it answers. */
export type WireAnswer = { n: number; reply: WireReply };
