import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { BlobCache } from '../blob-cache.js';
import { verifiedContents } from '../blob-packing.js';
import type { FlightrecDatabase } from '../database-schema.js';
import type { EventFilter, EventRow, EventStore, GlobalPage, NewRun, PreparedEvent, RunRow } from '../event-store.js';
import type { OpenOptions } from '../open-database.js';
import { ConcurrencyError, StoreOpenError, StoreWriteError } from '../store-errors.js';
import { migratePostgres } from './migrate-postgres.js';
import { PgCallError, PgSyncBridge } from './pg-sync-bridge.js';
import { PG_TYPES, redactUrl } from './pg-types.js';
import type { WireEvent } from './pg-wire.js';
import { listAllRuns, runOrNotFound } from '../run-queries.js';
import { EVENT_COLUMNS, pageConditions, pageQuery, seqWindow } from '../page-query.js';

/**
 * The event log on a PostgreSQL server, for many writers on many machines. Reads go through
 * kysely on a small pool; writes and the synchronous members go through one connection in a
 * worker thread (PgSyncBridge), so appendBatch is synchronous and all-or-nothing as on SQLite. A
 * batch locks its run's row (select … for update) and checks the head: a second writer of a run
 * gets ConcurrencyError, writers of different runs never wait for each other.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly blobCache = new BlobCache(64 * 1024 * 1024);
  private closed = false;

  private constructor(
    /** The migrations this open applied (none for a reader, or when the schema was up to date). */
    readonly migrated: readonly string[],
    readonly location: string,
    readonly db: Kysely<FlightrecDatabase>,
    private readonly writer: PgSyncBridge,
  ) {}

  /** Connects, and (unless `readonly`) migrates the schema; readers refuse a schema that is missing, older or newer. */
  static async open(url: string, options: OpenOptions = {}): Promise<PostgresEventStore> {
    const location = redactUrl(url);
    const readonly = options.readonly === true;
    const pool = new pg.Pool({ connectionString: url, types: PG_TYPES, max: 4, allowExitOnIdle: true });
    // An idle connection the server drops (a restart) is reported here and replaced on the next read; unheard, it would end the process.
    pool.on('error', () => undefined);
    // A reader's connections refuse writes, as a read-only SQLite handle does.
    if (readonly) pool.on('connect', (c) => void c.query('set session characteristics as transaction read only').catch(() => undefined));
    const db = new Kysely<FlightrecDatabase>({ dialect: new PostgresDialect({ pool }) });
    let writer: PgSyncBridge | undefined;
    let migrated: string[];
    try {
      migrated = await migratePostgres(db, location, readonly);
      writer = new PgSyncBridge(url, location, readonly);
      writer.call({ op: 'ping' });
    } catch (e) {
      await writer?.close();
      await db.destroy().catch(() => undefined);
      if (e instanceof PgCallError) throw new StoreOpenError(location, new Error(e.message));
      throw e;
    }
    return new PostgresEventStore(migrated, location, db, writer);
  }

  get isOpen(): boolean {
    return !this.closed && this.writer.isOpen;
  }

  async createRun(run: NewRun): Promise<RunRow> {
    try {
      return this.writer.call<RunRow>({ op: 'createRun', run: { ...run, createdAt: run.createdAt ?? Date.now() } });
    } catch (e) {
      throw writeFailed(`could not create run ${run.id}`, { run: run.id }, e);
    }
  }

  async findRun(id: string): Promise<RunRow | undefined> {
    return await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getRun(id: string): Promise<RunRow> {
    return await runOrNotFound(this.db, id, await this.findRun(id));
  }

  async listRuns(): Promise<RunRow[]> {
    return await listAllRuns(this.db);
  }

  async setStatus(runPk: number, status: string): Promise<void> {
    try {
      this.writer.call({ op: 'setStatus', runPk, status });
    } catch (e) {
      throw writeFailed(`could not set the status of run pk ${runPk} to ${status}`, { runPk, status }, e);
    }
  }

  appendBatch(run: { pk: number; id: string }, expectedHead: number, events: readonly PreparedEvent[], blobs: ReadonlyMap<string, Uint8Array>, status?: string): void {
    if (events.length === 0) return;
    const wire: WireEvent[] = events.map((e) => ({ seq: e.seq, id: e.id, type: e.type, v: e.v, t: e.t, episode: e.episode, step: e.step, decision: e.decision, component: e.component, version: e.version, parent: e.parent, payload: e.payload, hash: e.hash }));
    const wireBlobs: [Uint8Array, Uint8Array][] = [...blobs].map(([hex, bytes]) => [Buffer.from(hex, 'hex'), bytes]);
    try {
      this.writer.call({ op: 'append', runPk: run.pk, expectedHead, events: wire, blobs: wireBlobs, status: status ?? null });
    } catch (e) {
      if (e instanceof PgCallError && e.wire.kind === 'concurrency') throw new ConcurrencyError(run.id, expectedHead, e.wire.actual);
      const first = events[0]!.seq;
      const lastSeq = events[events.length - 1]!.seq;
      throw new StoreWriteError(
        `could not store ${events.length} events of run ${run.id} (seq ${first}..${lastSeq}): ${(e as Error).message}; nothing of this batch was stored`,
        { run: run.id, pgCode: e instanceof PgCallError && e.wire.kind === 'write' ? e.wire.code : '', firstSeq: first, count: events.length },
        e,
      );
    }
  }

  /** BEGIN on the writer connection: appends inside become savepoints, createRun and setStatus join it. */
  async writeTransaction<T>(fn: () => Promise<T>): Promise<T> {
    this.writer.call({ op: 'begin' });
    try {
      const result = await fn();
      this.writer.call({ op: 'commit' });
      return result;
    } catch (e) {
      try {
        this.writer.call({ op: 'rollback' });
      } catch {
        // the connection is gone: the server rolled the transaction back
      }
      throw e;
    }
  }

  readHashes(runPk: number, count: number): Uint8Array[] {
    return this.writer.call<Uint8Array[]>({ op: 'hashes', runPk, count });
  }

  findEventById(id: string): { run: string; seq: number; hash: Uint8Array } | undefined {
    return this.writer.call<{ run: string; seq: number; hash: Uint8Array } | null>({ op: 'eventById', id }) ?? undefined;
  }

  blobSizeSync(hash: Uint8Array): number | undefined {
    return this.writer.call<number | null>({ op: 'blobSize', hash }) ?? undefined;
  }

  getBlob(hash: Uint8Array, options: { bypassCache?: boolean } = {}): Uint8Array {
    const key = Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
    const cached = options.bypassCache ? undefined : this.blobCache.get(key);
    if (cached !== undefined) return cached;
    const row = this.writer.call<{ bytes: Uint8Array; size: number | string } | null>({ op: 'blob', hash });
    const bytes = verifiedContents(key, row === null ? undefined : { bytes: row.bytes, size: Number(row.size) });
    this.blobCache.set(key, bytes);
    return bytes;
  }

  async readPage(runPk: number, filter: EventFilter, afterSeq: number, limit: number): Promise<EventRow[]> {
    const window = await seqWindow(filter, afterSeq, async (key, value) =>
      key === 'decision'
        ? await this.db.selectFrom('decision_spans').select(['first_seq as first', 'last_seq as last']).where('run_pk', '=', runPk).where('decision', '=', value).executeTakeFirst()
        : await this.db.selectFrom('episode_spans').select(['first_seq as first', 'last_seq as last']).where('run_pk', '=', runPk).where('episode', '=', value).executeTakeFirst(),
    );
    if (window === null) return [];
    return await pageQuery(this.db, pageConditions(this.kind, runPk, filter, window), limit).execute();
  }

  async readBySeq(runPk: number, fromSeq: number, limit: number): Promise<EventRow[]> {
    return await this.db.selectFrom('events').select(EVENT_COLUMNS).where('run_pk', '=', runPk).where('seq', '>=', fromSeq).orderBy('seq').limit(limit).execute();
  }

  componentHistorySync(runPk: number, component: string, seqFrom: number, seqTo: number): EventRow[] {
    return this.writer.call<EventRow[]>({ op: 'history', runPk, component, seqFrom, seqTo });
  }

  eventsOfTypesSync(runPk: number, types: readonly string[], seqFrom: number, seqTo: number, limit: number): EventRow[] {
    return this.writer.call<EventRow[]>({ op: 'eventsOfTypes', runPk, types: [...types], seqFrom, seqTo, limit });
  }

  /**
   * Events of every run after `after`, ordered by (transaction id, pos) and only from
   * transactions older than the oldest still running: a slower writer's batch that commits late
   * sorts after everything already read, so a reader following this never skips it (the
   * xid8 / pg_snapshot_xmin pattern of Emmett).
   */
  async readGlobal(after: string | null, limit: number): Promise<GlobalPage> {
    const [tx, pos] = after === null ? ['0', 0] : parseCursor(after);
    const { rows } = await sql<EventRow & { run: string; tx: string }>`
      select e.run_pk, e.seq, e.id, e.type, e.type_id, e.v, e.t, e.episode, e.step, e.decision, e.component, e.version, e.parent, e.payload, e.hash, e.pos, r.id as run, e.tx::text as tx
        from events e join runs r on r.pk = e.run_pk
       where (e.tx, e.pos) > (${tx}::xid8, ${pos}::bigint) and e.tx < pg_snapshot_xmin(pg_current_snapshot())
       order by e.tx, e.pos limit ${limit}`.execute(this.db);
    const last = rows[rows.length - 1];
    return { rows: rows.map(({ tx: _tx, ...row }) => row), next: last === undefined ? after : `${last.tx}:${last.pos}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    await this.db.destroy();
  }
}

function parseCursor(cursor: string): [string, number] {
  const m = /^(\d+):(\d+)$/.exec(cursor);
  if (m === null) throw new StoreWriteError(`invalid global position ${JSON.stringify(cursor)} (expected <transaction>:<pos>)`, { cursor }, null);
  return [m[1]!, Number(m[2])];
}

function writeFailed(what: string, details: Record<string, unknown>, e: unknown): StoreWriteError {
  const code = e instanceof PgCallError && e.wire.kind === 'write' ? e.wire.code : '';
  return new StoreWriteError(`${what}: ${(e as Error).message}; nothing was stored`, { ...details, pgCode: code }, e);
}
