import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { CLI } from '../cli/run-cli.js';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import { FlightrecServer } from '../../src/serve/flightrec-server.js';
import { ServerAccess } from '../../src/serve/server-access.js';
import { readEvents } from '../../src/store/event-reader.js';
import type { RecordedEvent } from '../../src/events/registry.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { freshSchema, postgresUnavailable } from '../helpers/postgres.js';
import { componentUpdated, criticEvaluated } from '../helpers/sample-events.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

const unavailable = await postgresUnavailable();
const tmp = tempDir();
after(() => tmp.cleanup());
const hasField = (field: string) => (e: unknown) => e instanceof FlightrecError && e.code === 'INVALID_INPUT' && e.details['field'] === field;

async function all(store: SqliteEventStore, run: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of readEvents(store, run)) out.push(e);
  return out;
}

/** 600 events, blobs every fifth, updates every seventh. */
function fill(run: { append(e: unknown): unknown }): void {
  for (let i = 0; i < 600; i++) run.append(i % 7 === 3 ? componentUpdated(i) : criticEvaluated(i, { rows: i % 5 === 0 ? 24 : 2 }));
}

describe('compact on end', () => {
  it('a run started with compact: true is compacted once it ends, and reads and verifies like its twin kept as rows', async () => {
    const db = tmp.file('on-end.db');
    const recorder = await Recorder.open(db);
    const rows = await recorder.startRun({ id: 'rows', env: 'gridworld' });
    const seg = await recorder.startRun({ id: 'seg', env: 'gridworld', compact: true });
    fill(rows);
    fill(seg);
    await rows.end('completed');
    await seg.end('completed');
    assert.equal(rows.compaction, null);
    assert.equal(seg.compaction?.ok, true, JSON.stringify(seg.compaction));
    assert.deepEqual(seg.compaction.ok && { events: seg.compaction.result.events, segments: seg.compaction.result.segments }, { events: 602, segments: 3 });
    await recorder.close();
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      const segPk = (await store.getRun('seg')).pk;
      assert.equal(store.segments.has(segPk), true);
      assert.equal(store.segments.has((await store.getRun('rows')).pk), false);
      assert.equal((await verifyChain(store, 'seg')).ok, true);
      const strip = (e: RecordedEvent) => ({ ...e, run: '', hash: '', t: 0, id: e.id.replace(/^[a-z]+:/, '') });
      const [a, b] = [await all(store, 'rows'), await all(store, 'seg')];
      assert.equal(b.length, 602);
      assert.deepEqual(b.map(strip), a.map(strip));
    } finally {
      await store.close();
    }
  });

  it('close() compacts too; a compaction that fails leaves the run ended and stored as rows, and says why', async () => {
    const db = tmp.file('failing.db');
    const recorder = await Recorder.open(db);
    const closed = await recorder.startRun({ id: 'closed', compact: true });
    closed.append(criticEvaluated(1));
    await closed.close();
    assert.equal(closed.compaction?.ok, true);
    const run = await recorder.startRun({ id: 'tampered', compact: true });
    fill(run);
    await run.flush();
    // An edit behind the writer's back: compaction recomputes every hash first and refuses.
    const raw = rawDatabase(db);
    raw.prepare("update events set t = t + 1 where seq = 40 and run_pk = (select pk from runs where id = 'tampered')").run();
    raw.close();
    await run.end('completed');
    assert.equal(run.compaction?.ok, false);
    assert.equal(!run.compaction.ok && run.compaction.error.code, 'CHAIN_BROKEN', !run.compaction.ok ? run.compaction.error.message : '');
    assert.match(!run.compaction.ok ? run.compaction.error.message : '', /seq 40/);
    await recorder.close();
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      const row = await store.getRun('tampered');
      assert.equal(row.status, 'completed');
      assert.equal(row.head_seq, 601);
      assert.equal(store.segments.has(row.pk), false);
      assert.equal((await store.readBySeq(row.pk, 0, 1000)).length, 602);
    } finally {
      await store.close();
    }
  });

  it('refuses a compact that is not a boolean, and compact on PostgreSQL, naming the field', { skip: unavailable ?? false }, async () => {
    const recorder = await Recorder.open(tmp.file('bad.db'));
    await assert.rejects(recorder.startRun({ compact: 'yes' as unknown as boolean }), hasField('compact'));
    await recorder.close();
    const pg = await freshSchema('compact_on_end');
    try {
      const onPg = await Recorder.open(pg.url);
      await assert.rejects(onPg.startRun({ id: 'pg', compact: true }), (e: unknown) => hasField('compact')(e) && /SQLite stores only/.test((e as Error).message));
      await onPg.close();
      const serve = spawnSync(process.execPath, [CLI, '--db', pg.url, 'serve', '--port', '0', '--compact'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(serve.status, 2, serve.stderr);
      assert.match(serve.stderr, /--compact works on SQLite stores only/);
      // Refused even with no run to compact: the store is the wrong kind, not merely empty.
      const compact = spawnSync(process.execPath, [CLI, '--db', pg.url, 'compact'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(compact.status, 2, compact.stdout + compact.stderr);
      assert.match(compact.stderr, /compact works on SQLite stores only/);
    } finally {
      await pg.drop();
    }
  });

  it('serve --compact compacts a run when its client ends it, and says so in the answer to the ending batch', async () => {
    const store = await SqliteEventStore.open(tmp.file('serve.db'));
    const server = await FlightrecServer.start({ store, access: ServerAccess.resolve({ host: '127.0.0.1' }, {}), port: 0, compact: true });
    try {
      const line = (e: unknown) => `${JSON.stringify(e)}\n`;
      const started = { type: 'run.started', t: 1, payload: { name: 'r', config: {}, seed: 1, env: null, components: [], backend: null, code_version: null, source_run: null, overrides: null } };
      const annotation = (label: string) => ({ type: 'annotation', t: 2, payload: { target: 0, label, note: null, author: null } });
      const post = async (from: number, body: string) => (await (await fetch(`${server.url}/v1/runs/client/events?from=${from}`, { method: 'POST', body })).json()) as Record<string, unknown>;
      const first = await post(0, line(started) + line(annotation('a')));
      assert.equal(first['compacted'], undefined);
      const last = await post(2, line(annotation('b')) + line({ type: 'run.ended', t: 3, payload: { status: 'completed', reason: null, episodes: null, decisions: null } }));
      assert.deepEqual(last, { run: 'client', from: 2, stored: 2, duplicates: 0, head: 3, status: 'completed', compacted: { segments: 1 } });
      assert.equal(store.segments.has((await store.getRun('client')).pk), true);
      assert.equal((await verifyChain(store, 'client')).ok, true);
    } finally {
      await server.stop();
      await store.close();
    }
  });
});
