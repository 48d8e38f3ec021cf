import type Database from 'better-sqlite3';
import type { EventFilter, EventRow } from './event-store.js';
import { eventTypeId } from './event-type-id.js';
import { chainHashOf } from './hash-chain.js';
import type { RawEvent } from './raw-event.js';
import { decodeSegment, segmentTypes, type DecodedSegment, type SegmentEvent } from './segment-codec.js';

/** A segment row as stored (migrations/0003-event-segments.ts). */
interface SegmentRow {
  first_seq: number;
  last_seq: number;
  types: string;
  prev_hash: Uint8Array;
  last_hash: Uint8Array;
  bytes: Uint8Array;
}

/**
 * A decoded segment whose events become rows one by one, as readers ask for them: a decision read
 * by number makes the rows of its ~15 events, not the segment's 256, and recomputes only the hashes
 * from the checkpoint before each.
 */
class ReadSegment {
  private readonly rows: (EventRow | undefined)[];
  private readonly hashes: (Uint8Array | undefined)[];

  constructor(
    readonly decoded: DecodedSegment,
    private readonly run: string,
    private readonly runPk: number,
    private readonly s: SegmentRow,
  ) {
    const n = decoded.events.length;
    this.rows = new Array<EventRow | undefined>(n);
    this.hashes = new Array<Uint8Array | undefined>(n);
    for (const [i, h] of decoded.checkpoints) this.hashes[i] = new Uint8Array(h);
    this.hashes[n - 1] = new Uint8Array(s.last_hash);
  }

  row(i: number): EventRow {
    let r = this.rows[i];
    if (r === undefined) {
      const e = this.decoded.events[i]!;
      r = this.rows[i] = { pos: 0, run_pk: this.runPk, seq: e.seq, id: e.id, type: e.type, type_id: eventTypeId(e.type), v: e.v, t: e.t, episode: e.episode, step: e.step, decision: e.decision, component: e.component, version: e.version, parent: e.parent, payload: e.payload, hash: this.hash(i) };
    }
    return r;
  }

  /** The stored hash where there is one (a checkpoint, the last event); else recomputed from the nearest one before. */
  private hash(i: number): Uint8Array {
    let j = i;
    while (j >= 0 && this.hashes[j] === undefined) j--;
    let previous = j < 0 ? this.s.prev_hash : this.hashes[j]!;
    for (let k = j + 1; k <= i; k++) {
      const e = this.decoded.events[k]!;
      previous = this.hashes[k] = chainHashOf(previous, this.run, e, e.payload);
    }
    return this.hashes[i]!;
  }
}

/** Segments decoded lately: pages of a reader rarely end on a segment's boundary, so the next page starts in the same one. */
const CACHED_SEGMENTS = 8;

/**
 * Reads a compacted run's events from its segments, as the rows the events table would have
 * given. A run is compacted whole (src/store/compact-run.ts): it has rows or segments, never both,
 * so a reader asks `has` and takes one path, and asks again when a read of rows comes back short
 * (another process may have compacted the run in between).
 *
 * Hashes are recomputed on read from the nearest stored one before (the segment's `prev_hash`, or
 * a checkpoint of every 16th event), and an event whose hash is stored (a checkpoint, the last)
 * carries the stored hash. For an intact segment the two are equal; an edited one shows up to
 * verification as a broken link at the next stored hash, within 16 events of the edit, as an
 * edited row would at its own seq. A compacted event has no global position: its `pos` is 0.
 */
export class EventSegments {
  private readonly stmts;
  private readonly cache = new Map<string, ReadSegment>();
  /** False for a file a reader opened without migration 0003 (READER_OPTIONAL_MIGRATIONS): it has no compacted run. */
  private readonly present: boolean;

  constructor(sqlite: Database.Database) {
    this.present = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'event_segments'").get() !== undefined;
    const table = this.present ? 'event_segments' : '(select 0 as run_pk, 0 as first_seq, 0 as last_seq, \'\' as types, x\'\' as prev_hash, x\'\' as last_hash, x\'\' as bytes where 0)';
    const ids = this.present ? 'segment_event_ids' : '(select \'\' as id, 0 as run_pk, 0 as seq where 0)';
    this.stmts = {
      has: sqlite.prepare(`select 1 from ${table} where run_pk = ? limit 1`).pluck(),
      runId: sqlite.prepare('select id from runs where pk = ?').pluck(),
      startOf: sqlite.prepare(`select max(first_seq) from ${table} where run_pk = ? and first_seq <= ?`).pluck(),
      range: sqlite.prepare(`select first_seq, last_seq, types, prev_hash, last_hash, bytes from ${table} where run_pk = ? and first_seq >= ? and first_seq <= ? order by first_seq limit 16`),
      count: sqlite.prepare(`select count(*) from ${table} where run_pk = ?`).pluck(),
      stored: sqlite.prepare(`select count(*) as segments, sum(length(bytes)) as bytes from ${table} where run_pk = ?`),
      idOf: sqlite.prepare(`select r.id as run, s.run_pk as run_pk, s.seq as seq from ${ids} s join runs r on r.pk = s.run_pk where s.id = ?`),
      idsOf: sqlite.prepare(`select id, seq from ${ids} where run_pk = ?`),
    };
  }

  /** True when the run's events are in segments. */
  has(runPk: number): boolean {
    return this.present && this.stmts.has.get(runPk) !== undefined;
  }

  /** How many segments hold the run's events. */
  count(runPk: number): number {
    return this.stmts.count.get(runPk) as number;
  }

  /** The run's segments and the bytes they hold (deflated, as stored). */
  stored(runPk: number): { segments: number; bytes: number } {
    const r = this.stmts.stored.get(runPk) as { segments: number; bytes: number | null };
    return { segments: r.segments, bytes: r.bytes ?? 0 };
  }

  /**
   * The run's events matching `filter` with seq in (after, to], in seq order, at most `limit`.
   * Segments that hold none of the filter's types are not decoded.
   */
  rows(runPk: number, filter: EventFilter, after: number, to: number | null, limit: number): EventRow[] {
    return this.collect(runPk, filter, after, to, limit, (s) => {
      const read = this.read(runPk, s);
      return { events: read.decoded.events, pick: (i) => read.row(i) };
    });
  }

  /** As `rows`, without hashes (no sha256 per event): for readers of envelope columns and payloads only. */
  events(runPk: number, filter: EventFilter, after: number, to: number | null, limit: number): SegmentEvent[] {
    return this.collect(runPk, filter, after, to, limit, (s) => {
      const events = this.decodedOnly(runPk, s).events;
      return { events, pick: (i) => events[i]! };
    });
  }

  private collect<T>(runPk: number, given: EventFilter, after: number, to: number | null, limit: number, of: (s: SegmentRow) => { events: readonly SegmentEvent[]; pick: (i: number) => T }): T[] {
    const out: T[] = [];
    if (limit <= 0) return out;
    // An empty type list filters nothing, as on the events table's pages (page-query.ts).
    const { types, ...rest } = given;
    const filter: EventFilter = types === undefined || types.length === 0 ? rest : given;
    const match = rowFilter(filter);
    for (const s of this.segments(runPk, after + 1, to ?? Number.MAX_SAFE_INTEGER, filter.types)) {
      const { events, pick } = of(s);
      // Seqs are consecutive within a segment: start at the first past `after`.
      for (let i = Math.max(0, after + 1 - s.first_seq); i < events.length; i++) {
        const e = events[i]!;
        if (to !== null && e.seq > to) return out;
        if (!match(e)) continue;
        out.push(pick(i));
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** The run's events of `types` with seq past `after` as raw events (payloads still encoded), a page per segment, without hashing. */
  *raw(runPk: number, types: readonly string[], after = -1): Generator<RawEvent[]> {
    const wanted = new Set(types);
    for (const s of this.segments(runPk, after + 1, Number.MAX_SAFE_INTEGER, types)) {
      const d = this.decodedOnly(runPk, s);
      const page: RawEvent[] = [];
      d.events.forEach((e, i) => {
        if (e.seq > after && wanted.has(e.type)) page.push({ seq: e.seq, type: e.type, v: e.v, episode: e.episode, step: e.step, decision: e.decision, page: d.buffer, start: d.start[i]!, end: d.end[i]! });
      });
      if (page.length > 0) yield page;
    }
  }

  /** Every payload of the run, without hashing (the blob sweep of `rm` reads them for references). */
  *payloads(runPk: number): Generator<Uint8Array> {
    for (const s of this.segments(runPk, 0, Number.MAX_SAFE_INTEGER, undefined)) for (const e of this.decodedOnly(runPk, s).events) yield e.payload;
  }

  /**
   * The first of the run's segments whose derived columns do not match its events, or null: the
   * type ids `types` lists (a read by type skips a segment that does not list the type, so a
   * narrowed list hides events) and the writer-chosen ids in `segment_event_ids` (which the
   * recorder's duplicate check trusts). Neither is covered by the chain; `verify` calls this.
   */
  check(runPk: number): { seq: number; problem: string } | null {
    const ids = new Map((this.stmts.idsOf.all(runPk) as { id: string; seq: number }[]).map((r) => [r.id, r.seq]));
    let held = 0;
    for (const s of this.segments(runPk, 0, Number.MAX_SAFE_INTEGER, undefined)) {
      const events = this.decodedOnly(runPk, s).events;
      const want = segmentTypes(events);
      const listed = new Set(s.types.split(','));
      const actual = new Set(want.split(','));
      if (listed.size !== actual.size || [...actual].some((t) => !listed.has(t))) {
        return { seq: s.first_seq, problem: `the compacted segment from seq ${s.first_seq} lists type ids ${s.types} but holds ${want}, so reads by type would miss or misplace its events` };
      }
      for (const e of events) {
        if (e.id === null) continue;
        held++;
        if (ids.get(e.id) !== e.seq) return { seq: e.seq, problem: `event seq ${e.seq}: its id ${JSON.stringify(e.id)} is not indexed at that seq in segment_event_ids, so a lookup by id would miss it` };
      }
    }
    if (ids.size !== held) return { seq: 0, problem: `segment_event_ids holds ${ids.size} ids for this run, its events ${held}` };
    return null;
  }

  /** Where a writer-chosen event id of a compacted run is, with its hash. */
  findById(id: string): { run: string; seq: number; hash: Uint8Array } | undefined {
    const at = this.stmts.idOf.get(id) as { run: string; run_pk: number; seq: number } | undefined;
    if (at === undefined) return undefined;
    const [row] = this.rows(at.run_pk, {}, at.seq - 1, at.seq, 1);
    return row === undefined ? undefined : { run: at.run, seq: at.seq, hash: row.hash };
  }

  /** The segments of the run that may hold events in [from, to] of one of `types` (any type when undefined). */
  private *segments(runPk: number, from: number, to: number, types: readonly string[] | undefined): Generator<SegmentRow> {
    const start = (this.stmts.startOf.get(runPk, from) as number | null) ?? from;
    const ids = types?.map((t) => `,${eventTypeId(t)},`);
    // Sixteen at a time, each batch read whole: a generator left suspended between segments (two
    // runs diffed side by side) must not hold the statement open, which would make it busy for the next.
    for (let next = start; ; ) {
      const batch = this.stmts.range.all(runPk, next, to) as SegmentRow[];
      for (const s of batch) {
        if (s.last_seq < from) continue;
        if (ids !== undefined && !ids.some((id) => s.types.includes(id))) continue;
        yield s;
      }
      if (batch.length < 16) return;
      next = batch[batch.length - 1]!.last_seq + 1;
    }
  }

  private key(runPk: number, s: SegmentRow): string {
    return `${runPk}:${s.first_seq}:${Buffer.from(s.last_hash).toString('hex')}`;
  }

  private decodedOnly(runPk: number, s: SegmentRow): DecodedSegment {
    return this.cache.get(this.key(runPk, s))?.decoded ?? decode(s);
  }

  private read(runPk: number, s: SegmentRow): ReadSegment {
    const key = this.key(runPk, s);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const out = new ReadSegment(decode(s), this.stmts.runId.get(runPk) as string, runPk, s);
    if (this.cache.size >= CACHED_SEGMENTS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, out);
    return out;
  }
}

function decode(s: SegmentRow): DecodedSegment {
  return decodeSegment(s.bytes, s.first_seq, s.last_seq - s.first_seq + 1);
}

/** The filter's conditions other than seq, on one row. */
function rowFilter(f: EventFilter): (r: SegmentEvent) => boolean {
  const types = f.types === undefined ? null : new Set(f.types);
  return (r) =>
    (types === null || types.has(r.type)) &&
    (f.episode === undefined || r.episode === f.episode) &&
    (f.stepFrom === undefined || (r.step !== null && r.step >= f.stepFrom)) &&
    (f.stepTo === undefined || (r.step !== null && r.step <= f.stepTo)) &&
    (f.decision === undefined || r.decision === f.decision) &&
    (f.component === undefined || r.component === f.component);
}
