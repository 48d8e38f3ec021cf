import { defaultEventId } from '../events/envelope.js';
import { decodeValue } from '../events/payload-codec.js';
import { upcastPayload, type RecordedEvent } from '../events/registry.js';
import type { EventRow, SqliteEventStore } from './sqlite-event-store.js';

/** A stored row as an event: payload decoded (blobs fetched and checked) and upcast to its type's current version. */
export function decodeRow(row: EventRow, run: string, store: SqliteEventStore): RecordedEvent {
  const raw = decodeValue(row.payload, { getBlob: (h) => store.getBlob(h) });
  return {
    run,
    seq: row.seq,
    id: row.id ?? defaultEventId(run, row.seq),
    type: row.type,
    v: row.v,
    t: row.t,
    episode: row.episode,
    step: row.step,
    decision: row.decision,
    component: row.component,
    version: row.version,
    parent: row.parent,
    payload: upcastPayload(row.type, row.v, raw),
    hash: Buffer.from(row.hash).toString('hex'),
  } as RecordedEvent;
}
