import { InvalidInputError } from '../errors/flightrec-error.js';
import type { EventRow, EventStore } from './event-store.js';
import { chainHashOf, GENESIS_HASH, unchainable } from './hash-chain.js';
import { runLiveness } from './run-liveness.js';
import { encodeSegment, segmentTypes } from './segment-codec.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { ChainBrokenError, StoreWriteError } from './store-errors.js';

export interface CompactResult {
  run: string;
  /** Events moved into segments (0 when the run was compacted already). */
  events: number;
  segments: number;
  /** Bytes the events' rows held (payloads and hashes) and the segments hold, before SQLite's own page overhead. */
  row_bytes: number;
  segment_bytes: number;
  /** The database file's bytes returned to the filesystem (0 for a file made before incremental vacuum). */
  freed_file_bytes: number;
  already: boolean;
}

/**
 * Events per segment, and payload bytes: 256 events deflate ~17% smaller than 64 on the demo's run
 * (bench/README.md "demo database") and a whole decision is still one or two segments to inflate;
 * the byte cap keeps a run of large updates from making one segment of megabytes.
 */
export const SEGMENT_EVENTS = 256;
export const SEGMENT_PAYLOAD_BYTES = 96 * 1024;
const PAGE = 4096;

/**
 * Refuses a store compaction does not work on, before anything is written: `option` is what the
 * caller was asked for (`compact`, `--compact`), `field` and `value` what the error names.
 */
export function requireCompactable(store: EventStore, option: string, field: string, value: unknown = store.location): asserts store is SqliteEventStore {
  if (!(store instanceof SqliteEventStore)) throw new InvalidInputError(`${option} works on SQLite stores only; ${store.location} is ${store.kind}, which compresses large values itself`, { field, value });
}

/**
 * Moves an ended run's events out of the events table into segments (src/store/segment-codec.ts),
 * in one transaction: afterwards the run reads, verifies, diffs and replays as before, from a
 * fraction of the bytes. Before anything moves, every event's hash is recomputed and compared with
 * the stored one, since segments do not keep per-event hashes: compaction never makes a broken
 * chain look whole. A run still recording is refused (its writer appends rows), as is a store that
 * is not SQLite: PostgreSQL compresses large values itself.
 */
export async function compactRun(store: EventStore, runId: string, options: { segmentEvents?: number } = {}): Promise<CompactResult> {
  const perSegment = options.segmentEvents ?? SEGMENT_EVENTS;
  if (!Number.isInteger(perSegment) || perSegment < 1 || perSegment > 65536) throw new InvalidInputError(`segmentEvents must be an integer from 1 to 65536, got ${String(perSegment)}`, { field: 'segmentEvents', value: perSegment });
  requireCompactable(store, 'compact', '--db');
  const row = await store.getRun(runId);
  if ((await runLiveness(store, row)).status === 'recording') throw new InvalidInputError(`run ${runId} is still recording; it can be compacted once it has ended`, { field: 'run', value: runId });
  const sqlite = store.sqlite;
  if (store.segments.has(row.pk)) return { run: runId, events: 0, segments: store.segments.count(row.pk), row_bytes: 0, segment_bytes: 0, freed_file_bytes: 0, already: true };
  const page = sqlite.prepare('select * from events where run_pk = ? and seq > ? order by seq limit ?');
  const insert = sqlite.prepare('insert into event_segments (run_pk, first_seq, last_seq, types, prev_hash, last_hash, bytes) values (?, ?, ?, ?, ?, ?, ?)');
  const insertId = sqlite.prepare('insert into segment_event_ids (id, run_pk, seq) values (?, ?, ?)');
  const fileBytes = () => (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number);
  try {
    sqlite.exec('BEGIN IMMEDIATE');
  } catch (e) {
    throw new StoreWriteError(`could not compact run ${runId}: ${(e as Error).message}; nothing was changed`, { run: runId }, e);
  }
  // The head as of the write lock: a writer may have appended since the run was looked up.
  const head = sqlite.prepare('select head_seq, head_hash from runs where pk = ?').get(row.pk) as { head_seq: number; head_hash: Uint8Array | null };
  let events = 0;
  let segments = 0;
  let rowBytes = 0;
  let segmentBytes = 0;
  try {
    let pending: EventRow[] = [];
    let hashes: Uint8Array[] = [];
    let pendingBytes = 0;
    let previous: Uint8Array = GENESIS_HASH;
    let segmentPrev: Uint8Array = GENESIS_HASH;
    const flush = () => {
      if (pending.length === 0) return;
      const bytes = encodeSegment(pending, hashes);
      insert.run(row.pk, pending[0]!.seq, pending.at(-1)!.seq, segmentTypes(pending), segmentPrev, previous, bytes);
      segments++;
      segmentBytes += bytes.byteLength;
      segmentPrev = previous;
      pending = [];
      hashes = [];
      pendingBytes = 0;
    };
    for (let after = -1; ; ) {
      const rows = page.all(row.pk, after, PAGE) as EventRow[];
      for (const e of rows) {
        if (e.seq !== events) throw new ChainBrokenError(runId, e.seq, `expected seq ${events}: the stored seqs have a gap`);
        const altered = unchainable(e);
        if (altered !== null) throw new ChainBrokenError(runId, e.seq, altered);
        const computed = chainHashOf(previous, runId, e, e.payload);
        if (Buffer.compare(computed, e.hash) !== 0) throw new ChainBrokenError(runId, e.seq, 'its stored hash is not the chain hash of its contents (run `flightrec verify`)');
        previous = computed;
        if (e.id !== null) insertId.run(e.id, row.pk, e.seq);
        pending.push(e);
        hashes.push(computed);
        pendingBytes += e.payload.byteLength;
        rowBytes += e.payload.byteLength + e.hash.byteLength;
        events++;
        if (pending.length >= perSegment || pendingBytes >= SEGMENT_PAYLOAD_BYTES) flush();
      }
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.seq;
    }
    flush();
    if (events !== head.head_seq + 1) throw new ChainBrokenError(runId, events, `the run's head says ${head.head_seq + 1} events but ${events} are stored`);
    if (events > 0 && (head.head_hash === null || Buffer.compare(previous, head.head_hash) !== 0)) throw new ChainBrokenError(runId, events - 1, "its hash is not the run's recorded head");
    sqlite.prepare('delete from events where run_pk = ?').run(row.pk);
    sqlite.exec('COMMIT');
  } catch (e) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    if (e instanceof ChainBrokenError) throw e;
    throw new StoreWriteError(`could not compact run ${runId}: ${(e as Error).message}; nothing was changed`, { run: runId }, e);
  }
  // A file made with incremental auto-vacuum gives the freed pages back; an older one reuses them for later runs.
  const before = fileBytes();
  if ((sqlite.pragma('auto_vacuum', { simple: true }) as number) === 2) sqlite.pragma('incremental_vacuum');
  return { run: runId, events, segments, row_bytes: rowBytes, segment_bytes: segmentBytes, freed_file_bytes: before - fileBytes(), already: false };
}
