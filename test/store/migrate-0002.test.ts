import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { MIGRATIONS } from '../../migrations/index.js';
import { parseEventInput, type EventInput } from '../../src/events/registry.js';
import { readEvents } from '../../src/store/event-reader.js';
import type { EventStore, PreparedEvent } from '../../src/store/event-store.js';
import { countRunDecisions, decisionAt, neighbourDecisions, readDecisionIndex } from '../../src/store/decision-index.js';
import { GENESIS_HASH } from '../../src/store/hash-chain.js';
import { migrateDatabase } from '../../src/store/migrate-database.js';
import { openStore } from '../../src/store/open-store.js';
import { prepareEvent } from '../../src/store/prepare-event.js';
import { runEventsOfType } from '../../src/store/run-events-of-type.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation, criticEvaluated } from '../helpers/sample-events.js';
import { freshSchema, PG_REQUIRED, postgresUnavailable } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-database.js';

const unavailable = await postgresUnavailable();
const tmp = tempDir();
after(() => tmp.cleanup());

const COLUMNS = ['run_pk', 'seq', 'id', 'type', 'v', 't', 'episode', 'step', 'decision', 'component', 'version', 'parent', 'payload', 'hash'] as const;
/** Decisions 0..29 of 3 events each, 10 per episode, with an annotation (no decision, no episode) after every 7th. */
function sampleEvents(run: string): PreparedEvent[] {
  const inputs: unknown[] = [];
  for (let d = 0; d < 30; d++) {
    for (let k = 0; k < 3; k++) inputs.push({ ...criticEvaluated(d, { episode: Math.floor(d / 10), step: d % 10 }), decision: d });
    if (d % 7 === 0) inputs.push(annotation(d));
  }
  const blobs = new Map<string, Uint8Array>();
  let prev: Uint8Array = GENESIS_HASH;
  return inputs.map((input, seq) => {
    parseEventInput(input);
    const row = prepareEvent(input as EventInput, run, seq, prev, blobs);
    prev = row.hash;
    return row;
  });
}

/** Only the first migration: a database as flightrec 0.1.0 made it. */
const first: Record<string, Migration> = { '0001-initial-schema': MIGRATIONS['0001-initial-schema']! };

/** A schema-0001 database holding run `old` as its writer stored it: rows inserted by the 0001 store's own columns. */
async function writeOldDatabase(db: Kysely<unknown>, insert: (rows: Record<string, unknown>[]) => Promise<void>, schema?: string): Promise<PreparedEvent[]> {
  const migrator = new Migrator({ db, ...(schema ? { migrationTableSchema: schema } : {}), provider: { getMigrations: async () => first } });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
  const events = sampleEvents('old');
  const rows = events.map((e) => Object.fromEntries(COLUMNS.map((c) => [c, c === 'run_pk' ? 1 : (e as unknown as Record<string, unknown>)[c]])));
  await insert(rows);
  return events;
}

async function checkMigrated(store: EventStore, events: PreparedEvent[]): Promise<void> {
  const run = await store.getRun('old');
  assert.equal(run.imported_from, null);
  assert.equal(run.payload_bytes, events.reduce((n, e) => n + e.payload.byteLength, 0), 'payload bytes counted from the old rows');
  const report = await verifyChain(store, 'old');
  assert.ok(report.ok, report.problem ?? '');
  assert.equal(report.events, events.length);
  const seqsOf = async (filter: Parameters<typeof readEvents>[2]) => {
    const out: number[] = [];
    for await (const e of readEvents(store, 'old', filter)) out.push(e.seq);
    return out;
  };
  const where = (f: (e: PreparedEvent) => boolean) => events.filter(f).map((e) => e.seq);
  assert.deepEqual(await seqsOf({ decision: 14 }), where((e) => e.decision === 14));
  assert.deepEqual(await seqsOf({ decision: 99 }), []);
  assert.deepEqual(await seqsOf({ episode: 2, stepFrom: 3, stepTo: 4 }), where((e) => e.episode === 2 && e.step !== null && e.step >= 3 && e.step <= 4));
  assert.deepEqual(await seqsOf({ types: ['annotation'] }), where((e) => e.type === 'annotation'));
  assert.deepEqual((await runEventsOfType(store, run, 'annotation')).map((e) => e.seq), where((e) => e.type === 'annotation'));
  assert.equal(await countRunDecisions(store, run.pk), 30);
  assert.deepEqual(await neighbourDecisions(store, run.pk, 14), { prev: 13, next: 15 });
  assert.equal((await readDecisionIndex(store, run.pk)).decision.length, 0, 'no decision.started in this run');
  assert.equal(await decisionAt(store, run.pk, 9, 0), null);
}

describe('migration 0002 on a database with data', () => {
  it('SQLite: `flightrec migrate` applies 0002 to a 0001 file, which then reads, verifies and takes appends', async () => {
    const file = tmp.file('old.db');
    const sqlite = new Database(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    const events = await writeOldDatabase(db, async (rows) => {
      sqlite.prepare("insert into runs (pk, id, created_at, status, head_seq, head_hash) values (1, 'old', 1700000000000, 'completed', ?, ?)").run(rows.length - 1, rows.at(-1)!['hash']);
      const insert = sqlite.prepare(`insert into events (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
      for (const r of rows) insert.run(r);
    });
    await db.destroy();
    assert.deepEqual(await migrateDatabase(file), { applied: ['0002-projections-and-type-ids', '0003-event-segments'], schema: Object.keys(MIGRATIONS) });
    const raw = new Database(file, { readonly: true });
    const indexes = raw.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'events' and name not like 'sqlite_%' order by name").pluck().all();
    assert.deepEqual(indexes, ['events_id', 'events_run_seq', 'events_run_type_id']);
    raw.close();
    const store = await openStore(file, { readonly: true });
    try {
      await checkMigrated(store, events);
    } finally {
      await store.close();
    }
    assert.deepEqual((await migrateDatabase(file)).applied, [], 'a second migrate has nothing to do');
  });

  if (unavailable === null) {
    it('PostgreSQL: opening a 0001 schema migrates it, which then reads and verifies', async () => {
      const s = await freshSchema('migrate0002');
      try {
        const pool = new pg.Pool({ connectionString: s.url, max: 1 });
        const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
        const events = await writeOldDatabase(
          db,
          async (rows) => {
            await pool.query("insert into runs (pk, id, created_at, status, head_seq, head_hash) values (1, 'old', 1700000000000, 'completed', $1, $2)", [rows.length - 1, rows.at(-1)!['hash']]);
            for (const r of rows) await pool.query(`insert into events (${COLUMNS.join(', ')}) values (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, COLUMNS.map((c) => r[c]));
          },
          s.schema,
        );
        await db.destroy();
        assert.deepEqual((await migrateDatabase(s.url)).applied, ['0002-projections-and-type-ids', '0003-event-segments']);
        const store = await openStore(s.url, { readonly: true });
        try {
          await checkMigrated(store, events);
        } finally {
          await store.close();
        }
      } finally {
        await s.drop();
      }
    });
  } else if (PG_REQUIRED) {
    it('PostgreSQL: has a server to run against (CI or FLIGHTREC_PG_URL set: no skipping)', () => assert.fail(unavailable));
  }
});
