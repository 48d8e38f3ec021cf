import { sql, type Kysely } from 'kysely';

/** Runs, the event log and the content-addressed blob table (DESIGN.md, "Events"). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('pk', 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source_run', 'text')
    .addColumn('env', 'text')
    .addColumn('backend', 'text')
    .addColumn('head_seq', 'integer', (c) => c.notNull().defaultTo(-1))
    .addColumn('head_hash', 'blob')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('pos', 'integer', (c) => c.primaryKey())
    .addColumn('run_pk', 'integer', (c) => c.notNull().references('runs.pk'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('v', 'integer', (c) => c.notNull())
    .addColumn('t', 'integer', (c) => c.notNull())
    .addColumn('episode', 'integer')
    .addColumn('step', 'integer')
    .addColumn('decision', 'integer')
    .addColumn('component', 'text')
    .addColumn('version', 'text')
    .addColumn('parent', 'integer')
    .addColumn('payload', 'blob', (c) => c.notNull())
    .addColumn('hash', 'blob', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_run_seq').unique().on('events').columns(['run_pk', 'seq']).execute();
  await db.schema.createIndex('events_run_episode_step').on('events').columns(['run_pk', 'episode', 'step']).execute();
  await db.schema.createIndex('events_run_decision').on('events').columns(['run_pk', 'decision']).execute();
  await db.schema.createIndex('events_run_type').on('events').columns(['run_pk', 'type']).execute();
  // Only writer-chosen ids are stored; default ids are derived, so they cost no index space.
  await db.schema.createIndex('events_id').unique().on('events').column('id').where(sql.ref('id'), 'is not', null).execute();

  await db.schema
    .createTable('blobs')
    .addColumn('hash', 'blob', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'blob', (c) => c.notNull())
    .execute();

  // For people querying with any SQLite tool: events with their public run id and effective event id.
  await db.schema
    .createView('event_log')
    .as(
      sql`select e.pos, r.id as run, e.seq, coalesce(e.id, r.id || ':' || e.seq) as id, e.type, e.v, e.t,
                 e.episode, e.step, e.decision, e.component, e.version, e.parent,
                 length(e.payload) as payload_bytes, hex(e.hash) as hash
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
