import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeValue, encodeValue } from '../events/payload-codec.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import type { EventRow } from './event-store.js';

/** The columns of an event a segment keeps: everything the chain covers, and the payload. */
export type SegmentEvent = Pick<EventRow, 'seq' | 'id' | 'type' | 'v' | 't' | 'episode' | 'step' | 'decision' | 'component' | 'version' | 'parent' | 'payload'>;

/** A decoded segment: its events' columns, with payloads as views of one inflated buffer (no copy per event). */
export interface DecodedSegment {
  readonly events: SegmentEvent[];
  /** The inflated bytes the payloads are views of: `events[i].payload` is `buffer[start[i], end[i])`. */
  readonly buffer: Buffer;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
}

const FORMAT = 1;
/**
 * Level 6: a segment is written once, when a run is compacted, and read many times; on the demo's
 * events level 6 is ~8% smaller than level 1 and inflating costs the same.
 */
const LEVEL = 6;

/**
 * A segment's bytes: deflate(u32 header length ‖ header ‖ payloads), where the header is one value
 * of the payload codec holding the envelope columns as arrays (column by column, so what
 * consecutive events share sits side by side for deflate) and each payload's length. Seqs are
 * consecutive from the first, so only the first is kept.
 */
export function encodeSegment(events: readonly SegmentEvent[]): Buffer {
  if (events.length === 0) throw new Error('a segment holds at least one event');
  const first = events[0]!.seq;
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  const column = <K extends keyof SegmentEvent>(k: K) => events.map((e) => e[k]);
  const typeOf = events.map((e, i) => {
    if (e.seq !== first + i) throw new Error(`a segment's seqs are consecutive: seq ${e.seq} at position ${i} after ${first}`);
    let at = typeIndex.get(e.type);
    if (at === undefined) {
      at = types.length;
      types.push(e.type);
      typeIndex.set(e.type, at);
    }
    return at;
  });
  const ids = column('id');
  const header = encodeValue([
    FORMAT,
    first,
    types,
    typeOf,
    column('v'),
    column('t'),
    ids.every((id) => id === null) ? null : ids,
    column('episode'),
    column('step'),
    column('decision'),
    column('component'),
    column('version'),
    column('parent'),
    events.map((e) => e.payload.byteLength),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.byteLength);
  return deflateRawSync(Buffer.concat([length, header, ...events.map((e) => e.payload)]), { level: LEVEL });
}

/** The segment's events; SegmentCorruptError when the bytes do not inflate to a well-formed segment of `count` events from `firstSeq`. */
export function decodeSegment(bytes: Uint8Array, firstSeq: number, count: number): DecodedSegment {
  let buffer: Buffer;
  let header: unknown;
  let at: number;
  try {
    buffer = inflateRawSync(bytes);
    const length = buffer.readUInt32LE(0);
    at = 4 + length;
    header = decodeValue(buffer.subarray(4, at));
  } catch (e) {
    throw new SegmentCorruptError(firstSeq, `does not inflate and decode (${(e as Error).message})`);
  }
  if (!Array.isArray(header) || header.length !== 14 || header[0] !== FORMAT) throw new SegmentCorruptError(firstSeq, 'has no segment header of format 1');
  const [, first, types, typeOf, v, t, ids, episode, step, decision, component, version, parent, lengths] = header as unknown[][];
  if ((first as unknown as number) !== firstSeq) throw new SegmentCorruptError(firstSeq, `starts at seq ${String(first)}`);
  const columns = [typeOf, v, t, episode, step, decision, component, version, parent, lengths];
  if (!Array.isArray(types) || columns.some((c) => !Array.isArray(c) || c.length !== count) || (ids !== null && (!Array.isArray(ids) || ids.length !== count))) {
    throw new SegmentCorruptError(firstSeq, `does not hold ${count} events in every column`);
  }
  const events = new Array<SegmentEvent>(count);
  const start = new Uint32Array(count);
  const end = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const n = lengths![i] as number;
    const type = types[typeOf![i] as number];
    if (typeof type !== 'string' || !Number.isInteger(n) || n < 0 || at + n > buffer.length) throw new SegmentCorruptError(firstSeq, `event ${firstSeq + i} is out of its bounds`);
    start[i] = at;
    end[i] = at + n;
    events[i] = {
      seq: firstSeq + i,
      id: ids === null ? null : (ids[i] as string | null),
      type,
      v: v![i] as number,
      t: t![i] as number,
      episode: episode![i] as number | null,
      step: step![i] as number | null,
      decision: decision![i] as number | null,
      component: component![i] as string | null,
      version: version![i] as string | null,
      parent: parent![i] as number | null,
      payload: buffer.subarray(at, at + n),
    };
    at += n;
  }
  if (at !== buffer.length) throw new SegmentCorruptError(firstSeq, `has ${buffer.length - at} bytes past its last event`);
  return { events, buffer, start, end };
}

/** A stored segment that does not decode: the database was damaged or edited. */
export class SegmentCorruptError extends FlightrecError {
  constructor(firstSeq: number, problem: string) {
    super('CHAIN_BROKEN', `the compacted segment from seq ${firstSeq} ${problem}`, { seq: firstSeq, problem });
  }
}
