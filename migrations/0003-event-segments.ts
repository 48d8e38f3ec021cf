import type { Kysely } from 'kysely';
import { dialectTypes } from './dialect-types.js';

/**
 * Compacted runs (issue 12, bench/README.md "demo database"): an ended run's events can move out
 * of the one-row-per-event table into segments, each a few hundred consecutive events deflated
 * together (src/store/segment-codec.ts). A row per event costs ~120 bytes of envelope, hash and
 * record overhead plus ~32 bytes of index entries whatever its payload, and payloads compressed one
 * by one keep what consecutive events share; a segment pays those once.
 *
 * A segment keeps the chain hash before its first event and after its last, so reading it alone
 * recomputes and checks its events' hashes (per-event hashes are not stored), and `types` lists
 * the type ids it holds (`,id,id,`) so a read of a few types skips the segments that hold none.
 * Writer-chosen event ids, few and looked up by value, keep an index of their own.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { int, bytes } = dialectTypes(db);
  await db.schema
    .createTable('event_segments')
    .addColumn('run_pk', int, (c) => c.notNull().references('runs.pk'))
    .addColumn('first_seq', int, (c) => c.notNull())
    .addColumn('last_seq', int, (c) => c.notNull())
    .addColumn('types', 'text', (c) => c.notNull())
    .addColumn('prev_hash', bytes, (c) => c.notNull())
    .addColumn('last_hash', bytes, (c) => c.notNull())
    .addColumn('bytes', bytes, (c) => c.notNull())
    // A rowid table: segments are kilobytes, which a without-rowid B-tree would spill out of its pages.
    .execute();
  await db.schema.createIndex('event_segments_run_seq').unique().on('event_segments').columns(['run_pk', 'first_seq']).execute();
  await db.schema
    .createTable('segment_event_ids')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('run_pk', int, (c) => c.notNull())
    .addColumn('seq', int, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('segment_event_ids').execute();
  await db.schema.dropTable('event_segments').execute();
}
