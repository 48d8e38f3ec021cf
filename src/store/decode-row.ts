import { decodeValue } from '../events/payload-codec.js';
import { upcastPayload, type RecordedEvent } from '../events/registry.js';
import type { EventRow, SqliteEventStore } from './sqlite-event-store.js';
import { storedEnvelope } from './stored-envelope.js';

/** A stored row as an event: payload decoded (blobs fetched and checked) and upcast to its type's current version. */
export function decodeRow(row: EventRow, run: string, store: SqliteEventStore): RecordedEvent {
  const raw = decodeValue(row.payload, { getBlob: (h) => store.getBlob(h) });
  return { ...storedEnvelope(run, row), payload: upcastPayload(row.type, row.v, raw) } as RecordedEvent;
}
