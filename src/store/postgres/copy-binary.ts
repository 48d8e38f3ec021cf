import { eventTypeId } from '../event-type-id.js';
import type { WireEvent } from './pg-wire.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 15;

/** The events columns in the order copyEventRows writes them. */
export const COPY_EVENT_COLUMNS = 'run_pk, seq, id, type, type_id, v, t, episode, step, decision, component, version, parent, payload, hash';

/**
 * A batch of events in PostgreSQL's binary COPY format (header, one tuple per event, trailer):
 * integers as big-endian int8 (the type id derived from the type), text as UTF-8, payloads and hashes as their raw bytes. Binary, so
 * nothing is hex-escaped or parsed as text on either side: the bulk path of the PostgreSQL store.
 */
export function copyEventRows(runPk: number, events: readonly WireEvent[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  const texts: (Buffer | null)[] = [];
  for (const e of events) {
    const id = e.id === null ? null : Buffer.from(e.id);
    const type = Buffer.from(e.type);
    const component = e.component === null ? null : Buffer.from(e.component);
    const version = e.version === null ? null : Buffer.from(e.version);
    texts.push(id, type, component, version);
    size += 2 + FIELDS * 4 + 9 * 8 + (id?.length ?? 0) + type.length + (component?.length ?? 0) + (version?.length ?? 0) + e.payload.byteLength + e.hash.byteLength;
  }
  const out = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at); // flags
  at = out.writeInt32BE(0, at); // header extension length
  const int8 = (x: number | null): void => {
    if (x === null) {
      at = out.writeInt32BE(-1, at);
      return;
    }
    at = out.writeInt32BE(8, at);
    at = out.writeBigInt64BE(BigInt(x), at);
  };
  const bytes = (b: Uint8Array | null): void => {
    if (b === null) {
      at = out.writeInt32BE(-1, at);
      return;
    }
    at = out.writeInt32BE(b.byteLength, at);
    out.set(b, at);
    at += b.byteLength;
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    at = out.writeInt16BE(FIELDS, at);
    int8(runPk);
    int8(e.seq);
    bytes(texts[i * 4]!);
    bytes(texts[i * 4 + 1]!);
    int8(eventTypeId(e.type));
    int8(e.v);
    int8(e.t);
    int8(e.episode);
    int8(e.step);
    int8(e.decision);
    bytes(texts[i * 4 + 2]!);
    bytes(texts[i * 4 + 3]!);
    int8(e.parent);
    bytes(e.payload);
    bytes(e.hash);
  }
  at = out.writeInt16BE(-1, at);
  return out.subarray(0, at);
}
