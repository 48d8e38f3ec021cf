import type Database from 'better-sqlite3';
import { packBlob } from './blob-packing.js';
import { ChunkedInsert } from './chunked-insert.js';
import { batchSpans } from './event-spans.js';
import type { PreparedEvent } from './event-store.js';
import { eventTypeId } from './event-type-id.js';
import { ConcurrencyError, StoreWriteError } from './store-errors.js';

const INSERT_EVENT = 'insert into events (run_pk, seq, id, type, type_id, v, t, episode, step, decision, component, version, parent, payload, hash) values';
/** A projection row per key, widened when a later batch adds to the same decision or episode. */
const upsertSpan = (table: string, key: string) =>
  [`insert into ${table} (run_pk, ${key}, first_seq, last_seq) values`, `on conflict (run_pk, ${key}) do update set first_seq = min(first_seq, excluded.first_seq), last_seq = max(last_seq, excluded.last_seq)`] as const;

const SQLITE_BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']);

/**
 * SqliteEventStore's append path: prepared statements and multi-row inserts instead of kysely,
 * because it runs once per batch of a recording and kysely's compile costs more than the write.
 * A batch takes the write lock up front (BEGIN IMMEDIATE) and checks the run's head, so it is
 * all-or-nothing and a second writer on a run is detected, not merged.
 */
export class SqliteBatchWriter {
  private readonly insertEvents: ChunkedInsert;
  private readonly upsertDecisions: ChunkedInsert;
  private readonly upsertEpisodes: ChunkedInsert;
  private readonly stmts;
  /** Prepared on the first append: a reader's store, which may lack migration 0003's table, never appends. */
  private compacted: Database.Statement | undefined;
  private compactedId: Database.Statement | undefined;

  constructor(private readonly sqlite: Database.Database) {
    this.insertEvents = new ChunkedInsert(sqlite, INSERT_EVENT, 15);
    const [decisionsHead, decisionsTail] = upsertSpan('decision_spans', 'decision');
    this.upsertDecisions = new ChunkedInsert(sqlite, decisionsHead, 4, decisionsTail);
    const [episodesHead, episodesTail] = upsertSpan('episode_spans', 'episode');
    this.upsertEpisodes = new ChunkedInsert(sqlite, episodesHead, 4, episodesTail);
    this.stmts = {
      insertBlob: sqlite.prepare('insert or ignore into blobs (hash, size, bytes) values (?, ?, ?)'),
      head: sqlite.prepare('select head_seq from runs where pk = ?').pluck(),
      setStatus: sqlite.prepare('update runs set status = ? where pk = ?'),
      setHead: sqlite.prepare('update runs set head_seq = ?, head_hash = ?, payload_bytes = payload_bytes + ? where pk = ?'),
    };
  }

  /** The run's stored head seq (-1 when it has no events or no row). */
  head(runPk: number): number {
    return (this.stmts.head.get(runPk) as number | undefined) ?? -1;
  }

  /**
   * Stores the batch, its blobs (content-addressed, so duplicates are free) and `status` in one
   * transaction, or nothing: ConcurrencyError when the stored head is not `expectedHead`,
   * StoreWriteError when SQLite refuses. A busy database is retried (20 times) before it counts
   * as refusing.
   */
  append(run: { pk: number; id: string }, expectedHead: number, events: readonly PreparedEvent[], blobs: ReadonlyMap<string, Uint8Array>, status?: string): void {
    if (events.length === 0) return;
    const s = this.stmts;
    const last = events[events.length - 1]!;
    // Deflated before the transaction: compressing need not hold the write lock.
    const packed = blobs.size === 0 ? [] : [...blobs].map(([hex, bytes]) => [Buffer.from(hex, 'hex'), bytes.byteLength, packBlob(bytes)] as const);
    const write = this.sqlite.transaction(() => {
      const head = s.head.get(run.pk) as number | undefined;
      if (head !== expectedHead) throw new ConcurrencyError(run.id, expectedHead, head ?? -1);
      // A compacted run's events are segments; rows appended after them would be a second, unchained log.
      if ((this.compacted ??= this.sqlite.prepare('select 1 from event_segments where run_pk = ? limit 1').pluck()).get(run.pk) !== undefined) throw new StoreWriteError(`run ${run.id} is compacted: its events are read-only; nothing was stored`, { run: run.id }, null);
      // The unique index on events.id does not see the ids compacted runs hold; a copy or import
      // that reused one would store it twice, and a later compaction would fail on it.
      for (const e of events) {
        if (e.id === null) continue;
        const held = (this.compactedId ??= this.sqlite.prepare('select r.id as run, x.seq from segment_event_ids x join runs r on r.pk = x.run_pk where x.id = ?')).get(e.id) as { run: string; seq: number } | undefined;
        if (held !== undefined) throw new Error(`event id ${JSON.stringify(e.id)} (seq ${e.seq}) is already the id of event seq ${held.seq} of compacted run ${held.run}`);
      }
      for (const [hash, size, stored] of packed) s.insertBlob.run(hash, size, stored);
      const params: unknown[] = new Array(events.length * 15);
      let bytes = 0;
      for (let i = 0, p = 0; i < events.length; i++) {
        const e = events[i]!;
        params[p++] = run.pk;
        params[p++] = e.seq;
        params[p++] = e.id;
        params[p++] = e.type;
        params[p++] = eventTypeId(e.type);
        params[p++] = e.v;
        params[p++] = e.t;
        params[p++] = e.episode;
        params[p++] = e.step;
        params[p++] = e.decision;
        params[p++] = e.component;
        params[p++] = e.version;
        params[p++] = e.parent;
        params[p++] = e.payload;
        params[p++] = e.hash;
        bytes += e.payload.byteLength;
      }
      this.insertEvents.run(params);
      const spans = batchSpans(events);
      if (spans.decisions.length > 0) this.upsertDecisions.run(spanParams(run.pk, spans.decisions));
      if (spans.episodes.length > 0) this.upsertEpisodes.run(spanParams(run.pk, spans.episodes));
      s.setHead.run(last.seq, last.hash, bytes, run.pk);
      if (status !== undefined) s.setStatus.run(status, run.pk);
    });
    for (let attempt = 0; ; attempt++) {
      try {
        write.immediate();
        return;
      } catch (e) {
        if (e instanceof ConcurrencyError) throw e;
        const code = (e as { code?: string }).code ?? '';
        if (SQLITE_BUSY_CODES.has(code) && attempt < 20) continue;
        throw new StoreWriteError(
          `could not store ${events.length} events of run ${run.id} (seq ${events[0]!.seq}..${last.seq}): ${(e as Error).message}; nothing of this batch was stored`,
          { run: run.id, sqliteCode: code, firstSeq: events[0]!.seq, count: events.length },
          e,
        );
      }
    }
  }
}

/** [key, first, last] triples as upsert rows of one run. */
function spanParams(runPk: number, triples: readonly number[]): unknown[] {
  const out: unknown[] = new Array((triples.length / 3) * 4);
  for (let i = 0, p = 0; i < triples.length; i += 3) {
    out[p++] = runPk;
    out[p++] = triples[i];
    out[p++] = triples[i + 1];
    out[p++] = triples[i + 2];
  }
  return out;
}
