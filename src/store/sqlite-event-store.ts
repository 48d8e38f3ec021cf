import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { verifiedContents } from './blob-packing.js';
import { BlobCache } from './blob-cache.js';
import type { FlightrecDatabase } from './database-schema.js';
import { openDatabase, type OpenOptions } from './open-database.js';
import { packedPageSql, unpackRows, type PackedPage } from './packed-rows.js';
import { StoreWriteError } from './store-errors.js';
import type { BatchSink, EventFilter, EventRow, EventStore, GlobalPage, NewRun, PreparedEvent, RunRow } from './event-store.js';
import { SqliteWriteThread } from './sqlite-write-thread.js';
import { listAllRuns, runOrNotFound } from './run-queries.js';
import type { SeqSpan } from './event-spans.js';
import { SqliteBatchWriter } from './sqlite-batch-writer.js';
import { eventTypeId } from './event-type-id.js';
import { EventSegments } from './event-segments.js';
import { pageConditions, pageParameters, pageQuery, pageShape, seqWindow } from './page-query.js';

/**
 * The event log on SQLite. Appends go through SqliteBatchWriter (all-or-nothing, a second writer
 * on a run detected, not merged). Reads go through kysely, or a prepared statement where kysely's
 * path costs more than the read itself.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private readonly blobCache = new BlobCache(64 * 1024 * 1024);
  private readonly stmts;
  private readonly batchWriter: SqliteBatchWriter;
  /** readPage's statements by page shape (one per combination of filters in use). */
  private readonly pageStatements = new Map<string, Database.Statement>();
  private closed = false;
  /** Made on first use: a reader never starts one. */
  private thread: SqliteWriteThread | null = null;
  /** Compacted runs' events (src/store/compact-run.ts): each read below asks it first whether its run is one. */
  readonly segments: EventSegments;

  private constructor(
    readonly path: string,
    readonly sqlite: Database.Database,
    readonly db: Kysely<FlightrecDatabase>,
  ) {
    this.batchWriter = new SqliteBatchWriter(sqlite);
    this.segments = new EventSegments(sqlite);
    this.stmts = {
      runById: sqlite.prepare('select * from runs where id = ?'),
      // The (run, type id, seq) index, one range per type, merged in seq order.
      history: sqlite.prepare(
        `select * from events where run_pk = ? and component = ? and type_id in (${eventTypeId('component.updated')}, ${eventTypeId('checkpoint.saved')}) and type in ('component.updated', 'checkpoint.saved') and seq between ? and ? order by seq`,
      ),
      decisionSpan: sqlite.prepare('select first_seq as first, last_seq as last from decision_spans where run_pk = ? and decision = ?'),
      episodeSpan: sqlite.prepare('select first_seq as first, last_seq as last from episode_spans where run_pk = ? and episode = ?'),
      blob: sqlite.prepare('select bytes, size from blobs where hash = ?'),
      blobSize: sqlite.prepare('select size from blobs where hash = ?').pluck(),
      hashes: sqlite.prepare('select hash from events where run_pk = ? and seq < ? order by seq').pluck(),
      eventById: sqlite.prepare('select r.id as run, e.seq as seq, e.hash as hash from events e join runs r on r.pk = e.run_pk where e.id = ?'),
    };
  }

  /** Opens or creates the database at `path` and migrates it. */
  static async open(path: string, options: OpenOptions = {}): Promise<SqliteEventStore> {
    const { sqlite, db } = await openDatabase(path, options);
    return new SqliteEventStore(path, sqlite, db);
  }

  /** Creates an empty run (head seq -1, status 'recording'). Throws StoreWriteError when SQLite refuses (id taken, disk full...). */
  async createRun(run: NewRun): Promise<RunRow> {
    try {
      return await this.db
        .insertInto('runs')
        .values({ id: run.id, name: run.name, created_at: run.createdAt ?? Date.now(), status: 'recording', source_run: run.sourceRun, env: run.env, backend: run.backend, head_seq: -1, head_hash: null, imported_from: run.importedFrom ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (e) {
      throw writeFailed(`could not create run ${run.id}`, { run: run.id }, e);
    }
  }

  async findRun(id: string): Promise<RunRow | undefined> {
    // A prepared statement: every read of a run starts here, and kysely's path costs more than the lookup.
    return this.stmts.runById.get(id) as RunRow | undefined;
  }

  /** The run, or NotFoundError naming the id and the runs that do exist (a few). */
  async getRun(id: string): Promise<RunRow> {
    return await runOrNotFound(this.db, id, await this.findRun(id));
  }

  /** All runs, newest first. Event count is head_seq + 1 because seq is gapless from 0. */
  async listRuns(): Promise<RunRow[]> {
    return await listAllRuns(this.db);
  }

  async setStatus(runPk: number, status: string): Promise<void> {
    try {
      await this.db.updateTable('runs').set({ status }).where('pk', '=', runPk).execute();
    } catch (e) {
      throw writeFailed(`could not set the status of run pk ${runPk} to ${status}`, { runPk, status }, e);
    }
  }


  /**
   * Appends a batch atomically. `expectedHead` is the seq the writer believes is last; when the
   * stored head differs, another writer appended and ConcurrencyError is thrown with nothing
   * written. Blobs are inserted in the same transaction (content-addressed, so duplicates are free).
   */
  appendBatch(
    run: { pk: number; id: string },
    expectedHead: number,
    events: readonly PreparedEvent[],
    blobs: ReadonlyMap<string, Uint8Array>,
    /** The run's new status, set in the same transaction (the batch that holds run.ended ends the run atomically). */
    status?: string,
  ): void {
    this.batchWriter.append(run, expectedHead, events, blobs, status);
  }

  /**
   * The store's writer thread (one per store, shared by its runs), or null where a thread cannot
   * help: an in-memory database has no file a second connection could open, and a read-only or
   * closed store writes nothing.
   */
  writeThread(): BatchSink | null {
    if (this.thread !== null) return this.thread.threaded ? this.thread : null;
    if (this.closed || !this.sqlite.open || this.sqlite.memory || this.sqlite.readonly) return null;
    const busyTimeoutMs = this.sqlite.pragma('busy_timeout', { simple: true }) as number;
    this.thread = new SqliteWriteThread(this.path, busyTimeoutMs, {
      appendBatch: (run, expectedHead, events, blobs, status) => this.batchWriter.append(run, expectedHead, events, blobs, status),
      headSync: (runPk) => this.batchWriter.head(runPk),
    });
    return this.thread;
  }

  /** The chain hashes of a run's first `count` events, in seq order (what a seal's Merkle tree is built over). */
  readHashes(runPk: number, count: number): Uint8Array[] {
    const segmented = () => this.segments.rows(runPk, {}, -1, count - 1, count).map((r) => r.hash);
    if (this.segments.has(runPk)) return segmented();
    const hashes = (this.stmts.hashes.all(runPk, count) as Buffer[]).map((b) => new Uint8Array(b));
    return hashes.length < count && this.segments.has(runPk) ? segmented() : hashes;
  }

  /** Where an event with this writer-chosen id is stored, if anywhere. */
  findEventById(id: string): { run: string; seq: number; hash: Uint8Array } | undefined {
    return (this.stmts.eventById.get(id) as { run: string; seq: number; hash: Uint8Array } | undefined) ?? this.segments.findById(id);
  }

  /** A blob's stored size by sha256 without reading it; undefined when it is missing. */
  blobSizeSync(hash: Uint8Array): number | undefined {
    return this.stmts.blobSize.get(hash) as number | undefined;
  }

  /** A blob's bytes by sha256, verified against the hash on first read; BlobIntegrityError otherwise. */
  getBlob(hash: Uint8Array, options: { bypassCache?: boolean } = {}): Uint8Array {
    const key = Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
    const cached = options.bypassCache ? undefined : this.blobCache.get(key);
    if (cached !== undefined) return cached;
    const bytes = verifiedContents(key, this.stmts.blob.get(hash) as { bytes: Uint8Array; size: number } | undefined);
    this.blobCache.set(key, bytes);
    return bytes;
  }

  /**
   * One page of a run's events with seq greater than `afterSeq`, in seq order. Keyset pagination
   * on (run, seq) walks the unique index without sorting, so reading a whole run is linear and
   * memory stays bounded by one page whatever the run's length.
   */
  async readPage(runPk: number, filter: EventFilter, afterSeq: number, limit: number): Promise<EventRow[]> {
    const window = await seqWindow(filter, afterSeq, (key, value) => (key === 'decision' ? this.stmts.decisionSpan : this.stmts.episodeSpan).get(runPk, value) as SeqSpan | undefined);
    if (window === null) return [];
    const segmented = () => this.segments.rows(runPk, filter, window.after, window.to, limit);
    if (this.segments.has(runPk)) return segmented();
    // kysely builds and compiles the query once per shape (which filters are set): the statement
    // is prepared once and bound with the page's values directly, because compiling (~35 µs) and
    // kysely's execution path cost more than a small read itself (a decision is ~17 rows).
    const conditions = pageConditions(this.kind, runPk, filter, window);
    const shape = pageShape(conditions);
    let stmt = this.pageStatements.get(shape);
    const parameters = pageParameters(conditions, limit);
    if (stmt === undefined) {
      const compiled = pageQuery(this.db, conditions, limit).compile();
      // The values bound by position must be kysely's, in its order: checked once per shape.
      if (JSON.stringify(compiled.parameters) !== JSON.stringify(parameters)) throw new Error(`page query parameters out of order for shape ${shape}`);
      stmt = this.sqlite.prepare(packedPageSql(compiled.sql));
      if (this.pageStatements.size < 256) this.pageStatements.set(shape, stmt);
    }
    return this.unlessCompacted(runPk, unpackRows(stmt.get(...parameters) as PackedPage), limit, segmented);
  }

  /**
   * `rows` read from the events table, or, when they are fewer than asked for and the run is
   * compacted by now, the same read from its segments: another process may have compacted the
   * run between the check and the query, which then found no rows (one statement reads one
   * snapshot, so it found all of them or none).
   */
  private unlessCompacted(runPk: number, rows: EventRow[], limit: number, segmented: () => EventRow[]): EventRow[] {
    return rows.length < limit && this.segments.has(runPk) ? segmented() : rows;
  }

  /** Rows of a run in seq order from `fromSeq` (verification reads by seq, not by position). */
  async readBySeq(runPk: number, fromSeq: number, limit: number): Promise<EventRow[]> {
    const segmented = () => this.segments.rows(runPk, {}, fromSeq - 1, null, limit);
    if (this.segments.has(runPk)) return segmented();
    return this.unlessCompacted(runPk, await this.db.selectFrom('events').selectAll().where('run_pk', '=', runPk).where('seq', '>=', fromSeq).orderBy('seq').limit(limit).execute(), limit, segmented);
  }

  /**
   * A component's parameter history (updates and checkpoints) in a seq range, synchronously:
   * replay materialises a component in the middle of a decision, where component calls cannot
   * await. Bounded by the range the caller asks for.
   */
  componentHistorySync(runPk: number, component: string, seqFrom: number, seqTo: number): EventRow[] {
    const segmented = () => this.segments.rows(runPk, { component, types: ['component.updated', 'checkpoint.saved'] }, seqFrom - 1, seqTo, Number.MAX_SAFE_INTEGER);
    if (this.segments.has(runPk)) return segmented();
    return this.unlessCompacted(runPk, this.stmts.history.all(runPk, component, seqFrom, seqTo) as EventRow[], Number.MAX_SAFE_INTEGER, segmented);
  }

  eventsOfTypesSync(runPk: number, types: readonly string[], seqFrom: number, seqTo: number, limit: number): EventRow[] {
    const segmented = () => this.segments.rows(runPk, { types }, seqFrom - 1, seqTo, limit);
    if (this.segments.has(runPk)) return segmented();
    // One statement per number of types; unary + keeps SQLite on the (run, seq) index.
    const key = `types:${types.length}`;
    let stmt = this.pageStatements.get(key);
    if (stmt === undefined) {
      stmt = this.sqlite.prepare(`select * from events where run_pk = ? and seq between ? and ? and +type in (${types.map(() => '?').join(', ')}) order by seq limit ?`);
      this.pageStatements.set(key, stmt);
    }
    return this.unlessCompacted(runPk, stmt.all(runPk, seqFrom, seqTo, ...types, limit) as EventRow[], limit, segmented);
  }

  get location(): string {
    return this.path;
  }

  get isOpen(): boolean {
    return this.sqlite.open;
  }

  /** BEGIN IMMEDIATE around `fn`: appendBatch inside it nests as a savepoint, so all of it commits at once. */
  async writeTransaction<T>(fn: () => Promise<T>): Promise<T> {
    this.sqlite.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn();
      this.sqlite.exec('COMMIT');
      return result;
    } catch (e) {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * SQLite has one writer at a time and pos grows with each commit, so pos alone is the position.
   * It follows the events table: a compacted run's events, which have no position, are not in it.
   */
  async readGlobal(after: string | null, limit: number): Promise<GlobalPage> {
    const rows = await this.db.selectFrom('events as e').innerJoin('runs as r', 'r.pk', 'e.run_pk').selectAll('e').select('r.id as run').where('e.pos', '>', after === null ? 0 : Number(after)).orderBy('e.pos').limit(limit).execute();
    return { rows, next: rows.length > 0 ? String(rows[rows.length - 1]!.pos) : after };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.thread?.close();
    await this.db.destroy();
  }
}

/** A StoreWriteError for a single-statement write that SQLite refused; nothing of it was stored. */
function writeFailed(what: string, details: Record<string, unknown>, e: unknown): StoreWriteError {
  return new StoreWriteError(`${what}: ${(e as Error).message}; nothing was stored`, { ...details, sqliteCode: (e as { code?: string }).code ?? '' }, e);
}
