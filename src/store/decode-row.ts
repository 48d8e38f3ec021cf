import { decodeValue } from '../events/payload-codec.js';
import { isKnownEventType, upcastPayload, type RecordedEvent } from '../events/registry.js';
import type { EventRow, EventStore } from './event-store.js';
import { storedEnvelope } from './stored-envelope.js';

/**
 * A stored row as an event: payload decoded (blobs fetched and checked) and upcast to its type's
 * current version. A type of a user's family this process has not registered is read as stored
 * (the codec is self-describing; only upcasting needs the definition), so reading commands still
 * show it, while validating ones (import, verify, ingest) refuse it.
 */
export function decodeRow(row: EventRow, run: string, store: EventStore): RecordedEvent {
  const raw = decodeValue(row.payload, { getBlob: (h) => store.getBlob(h) });
  return { ...storedEnvelope(run, row), payload: isKnownEventType(row.type) ? upcastPayload(row.type, row.v, raw) : raw } as RecordedEvent;
}
