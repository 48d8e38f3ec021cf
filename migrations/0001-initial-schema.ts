import { sql, type Kysely } from 'kysely';
import { dialectTypes } from './dialect-types.js';

/** Runs, the event log and the content-addressed blob table (DESIGN.md, "Events"). */
export async function up(db: Kysely<unknown>): Promise<void> {
  // On SQLite these are the types this migration always created (integer, blob, integer primary
  // key as the rowid): databases in the field that applied it are unchanged.
  const { postgres, int, bytes } = dialectTypes(db);
  await db.schema
    .createTable('runs')
    .addColumn('pk', int, (c) => (postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('created_at', int, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source_run', 'text')
    .addColumn('env', 'text')
    .addColumn('backend', 'text')
    .addColumn('head_seq', int, (c) => c.notNull().defaultTo(-1))
    .addColumn('head_hash', bytes)
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('pos', int, (c) => (postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
    .addColumn('run_pk', int, (c) => c.notNull().references('runs.pk'))
    .addColumn('seq', int, (c) => c.notNull())
    .addColumn('id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('v', int, (c) => c.notNull())
    .addColumn('t', int, (c) => c.notNull())
    .addColumn('episode', int)
    .addColumn('step', int)
    .addColumn('decision', int)
    .addColumn('component', 'text')
    .addColumn('version', 'text')
    .addColumn('parent', int)
    .addColumn('payload', bytes, (c) => c.notNull())
    .addColumn('hash', bytes, (c) => c.notNull())
    .$call((t) =>
      // The transaction that wrote the row: pos is taken from a sequence before commit, so a reader
      // following pos skips only what is at or past the oldest transaction still running (xmin).
      postgres ? t.addColumn('tx', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`)) : t,
    )
    .execute();
  await db.schema.createIndex('events_run_seq').unique().on('events').columns(['run_pk', 'seq']).execute();
  await db.schema.createIndex('events_run_episode_step').on('events').columns(['run_pk', 'episode', 'step']).execute();
  await db.schema.createIndex('events_run_decision').on('events').columns(['run_pk', 'decision']).execute();
  await db.schema.createIndex('events_run_type').on('events').columns(['run_pk', 'type']).execute();
  // Only writer-chosen ids are stored; default ids are derived, so they cost no index space.
  await db.schema.createIndex('events_id').unique().on('events').column('id').where(sql.ref('id'), 'is not', null).execute();

  await db.schema
    .createTable('blobs')
    .addColumn('hash', bytes, (c) => c.primaryKey())
    .addColumn('size', int, (c) => c.notNull())
    .addColumn('bytes', bytes, (c) => c.notNull())
    .execute();

  // For people querying with any SQLite tool: events with their public run id and effective event id.
  await db.schema
    .createView('event_log')
    .as(
      sql`select e.pos, r.id as run, e.seq, coalesce(e.id, r.id || ':' || e.seq) as id, e.type, e.v, e.t,
                 e.episode, e.step, e.decision, e.component, e.version, e.parent,
                 length(e.payload) as payload_bytes, ${postgres ? sql`encode(e.hash, 'hex')` : sql`hex(e.hash)`} as hash
          from events e join runs r on r.pk = e.run_pk`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropView('event_log').execute();
  await db.schema.dropTable('blobs').execute();
  await db.schema.dropTable('events').execute();
  await db.schema.dropTable('runs').execute();
}
