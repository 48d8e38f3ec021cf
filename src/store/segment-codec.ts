import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeValue, encodeValue } from '../events/payload-codec.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import type { EventRow } from './event-store.js';
import { eventTypeId } from './event-type-id.js';

/** The columns of an event a segment keeps: everything the chain covers, and the payload. */
export type SegmentEvent = Pick<EventRow, 'seq' | 'id' | 'type' | 'v' | 't' | 'episode' | 'step' | 'decision' | 'component' | 'version' | 'parent' | 'payload'>;

/** A decoded segment: its events' columns, with payloads as views of one inflated buffer (no copy per event). */
export interface DecodedSegment {
  readonly events: SegmentEvent[];
  /** The stored chain hashes, by event index: those after every HASH_CHECKPOINT_EVERY-th event but the last (whose hash is the segment row's `last_hash`). */
  readonly checkpoints: ReadonlyMap<number, Uint8Array>;
  /** The inflated bytes the payloads are views of: `events[i].payload` is `buffer[start[i], end[i])`. */
  readonly buffer: Buffer;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
}

const FORMAT = 1;
/**
 * A segment keeps the chain hash after every 16th event: reading one event recomputes at most 15
 * hashes from the checkpoint before it instead of up to 255 from the segment's start (a decision
 * by number cost 2.9 ms that way, against 0.36 ms from rows), and an edit shows up to `verify`
 * within 16 events of where it was made. 2 bytes per event.
 */
export const HASH_CHECKPOINT_EVERY = 16;
const HASH_BYTES = 32;

/** Indices of the events whose chain hash a segment of `n` events stores inside it. */
function checkpointIndices(n: number): number[] {
  const out: number[] = [];
  for (let i = HASH_CHECKPOINT_EVERY - 1; i < n - 1; i += HASH_CHECKPOINT_EVERY) out.push(i);
  return out;
}
/**
 * Level 6: a segment is written once, when a run is compacted, and read many times; on the demo's
 * events level 6 is ~8% smaller than level 1 and inflating costs the same.
 */
const LEVEL = 6;

/**
 * A segment's bytes: deflate(u32 header length ‖ header ‖ hash checkpoints ‖ payloads), where the
 * header is one value of the payload codec holding the envelope columns as arrays (column by
 * column, so what consecutive events share sits side by side for deflate) and each payload's
 * length. Seqs are consecutive from the first, so only the first is kept. `hashes[i]` is the chain
 * hash after event i; the checkpoints' are kept.
 */
export function encodeSegment(events: readonly SegmentEvent[], hashes: readonly Uint8Array[]): Buffer {
  if (events.length === 0) throw new Error('a segment holds at least one event');
  if (hashes.length !== events.length) throw new Error(`a segment of ${events.length} events needs as many hashes, got ${hashes.length}`);
  const first = events[0]!.seq;
  events.forEach((e, i) => {
    if (e.seq !== first + i) throw new Error(`a segment's seqs are consecutive: seq ${e.seq} at position ${i} after ${first}`);
  });
  const column = <K extends keyof SegmentEvent>(k: K) => events.map((e) => e[k]);
  const ids = column('id');
  const header = encodeValue([
    FORMAT,
    first,
    dictionary(column('type')),
    column('v'),
    column('t'),
    ids.every((id) => id === null) ? null : dictionary(ids),
    column('episode'),
    column('step'),
    column('decision'),
    dictionary(column('component')),
    dictionary(column('version')),
    column('parent'),
    events.map((e) => e.payload.byteLength),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.byteLength);
  const checkpoints = checkpointIndices(events.length).map((i) => hashes[i]!);
  return deflateRawSync(Buffer.concat([length, header, ...checkpoints, ...events.map((e) => e.payload)]), { level: LEVEL });
}

/** The `types` column of a segment holding `events`: the type ids it holds, as `,id,id,` (reads by type match `,id,` in it). */
export function segmentTypes(events: readonly Pick<SegmentEvent, 'type'>[]): string {
  return `,${[...new Set(events.map((e) => eventTypeId(e.type)))].join(',')},`;
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
  if (!Array.isArray(header) || header.length !== 13 || header[0] !== FORMAT) throw new SegmentCorruptError(firstSeq, 'has no segment header of format 1');
  const [, first, typeColumn, v, t, idColumn, episode, step, decision, componentColumn, versionColumn, parent, lengths] = header as unknown[];
  if (first !== firstSeq) throw new SegmentCorruptError(firstSeq, `starts at seq ${String(first)}`);
  const bad = () => new SegmentCorruptError(firstSeq, `does not hold ${count} events in every column`);
  const numbers = [v, t, episode, step, decision, parent, lengths];
  if (numbers.some((c) => !Array.isArray(c) || c.length !== count)) throw bad();
  const [vs, ts, episodes, steps, decisions, parents, sizes] = numbers as (number | null)[][];
  const types = undictionary(typeColumn, count, bad);
  const ids = idColumn === null ? null : undictionary(idColumn, count, bad);
  const components = undictionary(componentColumn, count, bad);
  const versions = undictionary(versionColumn, count, bad);
  const checkpoints = new Map<number, Uint8Array>();
  for (const i of checkpointIndices(count)) {
    if (at + HASH_BYTES > buffer.length) throw new SegmentCorruptError(firstSeq, 'ends inside its hash checkpoints');
    checkpoints.set(i, buffer.subarray(at, at + HASH_BYTES));
    at += HASH_BYTES;
  }
  const events = new Array<SegmentEvent>(count);
  const start = new Uint32Array(count);
  const end = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const n = sizes![i];
    const type = types[i];
    if (typeof type !== 'string' || typeof n !== 'number' || !Number.isInteger(n) || n < 0 || at + n > buffer.length) throw new SegmentCorruptError(firstSeq, `event ${firstSeq + i} is out of its bounds`);
    start[i] = at;
    end[i] = at + n;
    events[i] = {
      seq: firstSeq + i,
      id: ids === null ? null : (ids[i] as string | null),
      type,
      v: vs![i] as number,
      t: ts![i] as number,
      episode: episodes![i] as number | null,
      step: steps![i] as number | null,
      decision: decisions![i] as number | null,
      component: components[i] as string | null,
      version: versions[i] as string | null,
      parent: parents![i] as number | null,
      payload: buffer.subarray(at, at + n),
    };
    at += n;
  }
  if (at !== buffer.length) throw new SegmentCorruptError(firstSeq, `has ${buffer.length - at} bytes past its last event`);
  return { events, checkpoints, buffer, start, end };
}

/**
 * A text column as its distinct values and, per event, 0 for null or 1 + the value's index:
 * integers decode several times faster than a string per event (a component name and a version
 * per event were most of a segment's decoding).
 */
function dictionary(values: readonly (string | null)[]): [string[], number[]] {
  const table: string[] = [];
  const at = new Map<string, number>();
  const index = values.map((v) => {
    if (v === null) return 0;
    let i = at.get(v);
    if (i === undefined) {
      i = table.push(v);
      at.set(v, i);
    }
    return i;
  });
  return [table, index];
}

function undictionary(column: unknown, count: number, bad: () => Error): (string | null)[] {
  if (!Array.isArray(column) || column.length !== 2) throw bad();
  const [table, index] = column as [unknown, unknown];
  if (!Array.isArray(table) || !Array.isArray(index) || index.length !== count) throw bad();
  return index.map((i) => {
    if (i === 0) return null;
    const v = typeof i === 'number' ? table[i - 1] : undefined;
    if (typeof v !== 'string') throw bad();
    return v;
  });
}

/** A stored segment that does not decode: the database was damaged or edited. */
export class SegmentCorruptError extends FlightrecError {
  constructor(firstSeq: number, problem: string) {
    super('CHAIN_BROKEN', `the compacted segment from seq ${firstSeq} ${problem}`, { seq: firstSeq, problem });
  }
}
