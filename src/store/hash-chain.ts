import { hash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { encodeValue } from '../events/payload-codec.js';
import type { EventsTable } from './database-schema.js';

/** Hash of the (empty) chain before a run's first event. */
export const GENESIS_HASH = new Uint8Array(32);

/**
 * The envelope columns covered by the chain: the stored event columns other than its position,
 * type id (derived from the type), payload and hash, with the public run id in place of the run's key. `id` is the writer-chosen id,
 * or null for the default `<run>:<seq>` (derived from columns the hash already covers).
 */
export type ChainedEnvelope = { run: string } & Omit<Selectable<EventsTable>, 'pos' | 'run_pk' | 'type_id' | 'payload' | 'hash'>;

/** Canonical bytes of an envelope: its columns as one array in the payload codec. */
export function envelopeBytes(e: ChainedEnvelope): Uint8Array {
  return encodeValue(envelopeTuple(e));
}

/** The envelope columns in the order the chain encodes them. */
export function envelopeTuple(e: ChainedEnvelope): unknown[] {
  return envelopeTupleOf(e.run, e);
}

/** envelopeTuple of a row and its run given apart (the recorder's rows do not hold the run, and a spread per event costs). */
export function envelopeTupleOf(run: string, e: Omit<ChainedEnvelope, 'run'>): unknown[] {
  return [run, e.seq, e.id, e.type, e.v, e.t, e.episode, e.step, e.decision, e.component, e.version, e.parent];
}

/**
 * sha256(previous hash ‖ envelope bytes ‖ payload bytes). Every column of the event is covered,
 * and through the previous hash, every event before it.
 */
export function chainHash(previous: Uint8Array, envelope: ChainedEnvelope, payload: Uint8Array): Uint8Array {
  return chainHashOf(previous, envelope.run, envelope, payload);
}

/** chainHash of a row and its run given apart (a reader of many rows does not build an envelope per row). */
export function chainHashOf(previous: Uint8Array, run: string, e: Omit<ChainedEnvelope, 'run'>, payload: Uint8Array): Uint8Array {
  // One-shot crypto.hash over one buffer is ~40% cheaper than createHash().update()x3 for events this small.
  return hash('sha256', Buffer.concat([previous, encodeValue(envelopeTupleOf(run, e)), payload]), 'buffer');
}

/**
 * Why a stored row cannot be chained: a column that SQL edited into another type (`payload ||
 * x'00'` makes text). Null when payload and hash are both bytes. Checked before hashing, so that
 * such an edit is a finding of verify, copy and compact, not a crash.
 */
export function unchainable(row: { payload: unknown; hash: unknown }): string | null {
  for (const column of ['payload', 'hash'] as const) {
    const v = row[column];
    if (!(v instanceof Uint8Array)) return `has its ${column} stored as ${v === null ? 'null' : typeof v === 'string' ? 'text' : typeof v}, not bytes (altered)`;
  }
  return null;
}
