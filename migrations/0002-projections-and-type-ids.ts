import { sql, type Kysely } from 'kysely';
import { eventTypeId } from '../src/store/event-type-id.js';
import { dialectTypes } from './dialect-types.js';

/**
 * Fewer secondary indexes on the event log (issue 12, bench/README.md "record"): every index entry
 * is paid per event on the hot path. The (run, episode, step) and (run, decision) indexes become
 * two small projection tables, one row per decision and per episode with the seqs of its first
 * and last event, written once per batch; readers look a span up there and walk the (run, seq)
 * index through it, already in seq order. The (run, type) index on the type's text becomes one on
 * an integer type id with seq, so a type's events come back in seq order without a sort.
 * Runs record where an imported run came from, and how many payload bytes their events hold.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { postgres, int } = dialectTypes(db);

  await db.schema.alterTable('events').addColumn('type_id', int).execute();
  const types = (await sql<{ type: string }>`select distinct type from events`.execute(db)).rows.map((r) => r.type);
  if (types.length > 0) {
    const cases = sql.join(types.map((t) => sql`when ${t} then ${sql.lit(eventTypeId(t))}`), sql` `);
    await sql`update events set type_id = case type ${cases} end`.execute(db);
  }

  for (const [table, key] of [['decision_spans', 'decision'], ['episode_spans', 'episode']] as const) {
    await db.schema
      .createTable(table)
      .addColumn('run_pk', int, (c) => c.notNull())
      .addColumn(key, int, (c) => c.notNull())
      .addColumn('first_seq', int, (c) => c.notNull())
      .addColumn('last_seq', int, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['run_pk', key])
      // A row per key and nothing else: on SQLite the table is its primary key's B-tree.
      .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
      .execute();
    await sql`insert into ${sql.table(table)} (run_pk, ${sql.ref(key)}, first_seq, last_seq)
              select run_pk, ${sql.ref(key)}, min(seq), max(seq) from events where ${sql.ref(key)} is not null group by run_pk, ${sql.ref(key)}`.execute(db);
  }

  await db.schema.createIndex('events_run_type_id').on('events').columns(['run_pk', 'type_id', 'seq']).execute();
  await db.schema.dropIndex('events_run_type').execute();
  await db.schema.dropIndex('events_run_decision').execute();
  await db.schema.dropIndex('events_run_episode_step').execute();

  await db.schema.alterTable('runs').addColumn('imported_from', 'text').execute();
  await db.schema.alterTable('runs').addColumn('payload_bytes', int, (c) => c.notNull().defaultTo(0)).execute();
  await sql`update runs set payload_bytes = coalesce((select sum(length(e.payload)) from events e where e.run_pk = runs.pk), 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('payload_bytes').execute();
  await db.schema.alterTable('runs').dropColumn('imported_from').execute();
  await db.schema.createIndex('events_run_episode_step').on('events').columns(['run_pk', 'episode', 'step']).execute();
  await db.schema.createIndex('events_run_decision').on('events').columns(['run_pk', 'decision']).execute();
  await db.schema.createIndex('events_run_type').on('events').columns(['run_pk', 'type']).execute();
  await db.schema.dropIndex('events_run_type_id').execute();
  await db.schema.dropTable('episode_spans').execute();
  await db.schema.dropTable('decision_spans').execute();
  await db.schema.alterTable('events').dropColumn('type_id').execute();
}
