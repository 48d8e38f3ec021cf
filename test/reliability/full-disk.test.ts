import assert from 'node:assert/strict';
import type { EventStore } from '../../src/store/event-store.js';
import { sqliteOf } from '../helpers/sqlite-of.js';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import type { RecordingRun } from '../../src/record/recording-run.js';
import { exportRun } from '../../src/store/ndjson/export-run.js';
import { importNdjson } from '../../src/store/ndjson/import-ndjson.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { StoreWriteError } from '../../src/store/store-errors.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation, componentUpdated, criticEvaluated, envStepped } from '../helpers/sample-events.js';
import { prng } from '../helpers/sample-run.js';
import { integrityCheck, range, rawDatabase, SMALL_PAGES, INLINE_WRITES, storedSeqs, tempDir } from '../helpers/temp-database.js';

/**
 * Disk full at many points of a recording: `PRAGMA max_page_count` on the writer's own connection
 * makes SQLite fail with SQLITE_FULL as soon as the file would need one page more than allowed.
 * Each point lowers the limit to a few pages above the current size, records until a write fails,
 * checks what is stored, then frees the space and checks that recording goes on with nothing lost.
 */
const tmp = tempDir();
after(() => tmp.cleanup());

const POINTS_PER_MODE = 25;
const UNLIMITED = 1073741823;

const isFull = (e: unknown): e is StoreWriteError => e instanceof StoreWriteError && e.code === 'STORE_WRITE_FAILED' && e.details.sqliteCode === 'SQLITE_FULL';

/** Mixed events: inline tensors, blob tensors with bytes unique to i (so every blob takes space), NaN, ids. */
function mixedEvent(i: number, rand: (n: number) => number) {
  switch (rand(5)) {
    case 0:
      return criticEvaluated(i, { rows: 2 });
    case 1:
      return criticEvaluated(i, { rows: 30 + rand(200) }); // 480 bytes to 3.7 kB of states: blobs, some spanning pages
    case 2:
      return envStepped(i);
    case 3:
      return annotation(i, { id: `note-${i}` });
    default:
      return componentUpdated(i);
  }
}

function pageCount(rec: Recorder): number {
  return sqliteOf(rec.store).pragma('page_count', { simple: true }) as number;
}

async function chainOk(store: EventStore, run: string): Promise<void> {
  const report = await verifyChain(store, run);
  assert.ok(report.ok, `chain of ${run}: ${report.problem}`);
}

/** Everything that must hold after a write failed: typed error, nothing of the failed batch stored, database intact. */
async function assertFailedCleanly(file: string, rec: Recorder, run: RecordingRun, failure: StoreWriteError, where: string): Promise<void> {
  assert.ok(isFull(failure), `${where}: a StoreWriteError STORE_WRITE_FAILED (SQLITE_FULL), got ${String(failure)}`);
  assert.equal(run.error, failure, `${where}: run.error is the failure`);
  await assert.rejects(run.flush(), (e: unknown) => isFull(e), `${where}: flush() rejects while the disk is full`);
  const seqs = storedSeqs(file, run.id);
  assert.deepEqual(seqs, range(seqs.length), `${where}: stored seqs are gapless`);
  // No partial batch: the failed batch starts right after the last stored event and none of it is stored.
  assert.equal(seqs.length, failure.details.firstSeq, `${where}: stored events end right before the failed batch (seq ${String(failure.details.firstSeq)})`);
  assert.equal(integrityCheck(file), 'ok', `${where}: integrity_check`);
  await chainOk(rec.store, run.id);
}

describe('disk full while recording', () => {
  for (const durability of ['batch', 'commit'] as const) {
    it(`'${durability}' mode: ${POINTS_PER_MODE} failure points, each a typed error with no partial batch and an intact database; recording continues once space is freed`, async () => {
      const file = tmp.file(`full-${durability}.db`);
      const rec = await Recorder.open(file, SMALL_PAGES);
      const BATCH = 16;
      const run = await rec.startRun({ ...INLINE_WRITES, id: `full-${durability}`, durability, batchSize: BATCH, batchMs: durability === 'batch' ? 1e9 : 0 });
      await run.flush();
      const rand = prng(durability === 'batch' ? 41 : 42);
      const errors: FlightrecError[] = [];
      run.errors$.subscribe((e) => errors.push(e));
      const committed: number[] = [];
      run.events$.subscribe((e) => committed.push(e.seq));
      let i = 0;
      const failedAt: number[] = [];

      for (let point = 1; point <= POINTS_PER_MODE; point++) {
        const where = `point ${point} (limit = pages + ${point})`;
        sqliteOf(rec.store).pragma(`max_page_count = ${pageCount(rec) + point}`);
        const errorsBefore = errors.length;
        let failure: StoreWriteError | undefined;
        if (durability === 'batch') {
          // Batches close by count; a failed write keeps them all, so stop at the first failure.
          for (let n = 0; n < 20_000 && errors.length === errorsBefore; n++) run.append(mixedEvent(i++, rand));
          failure = errors[errorsBefore] as StoreWriteError | undefined;
        } else {
          // Groups of concurrent emits, one transaction each: every emit of a failed group rejects with the failure.
          for (let n = 0; n < 5_000 && failure === undefined; ) {
            const group = range(1 + rand(6)).map(() => run.emit(mixedEvent(i++, rand)));
            n += group.length;
            const settled = await Promise.allSettled(group);
            const rejected = settled.filter((s) => s.status === 'rejected');
            if (rejected.length > 0) {
              assert.equal(rejected.length, settled.length, `${where}: a group is one transaction: all of its emits fail together`);
              for (const r of rejected) assert.ok(isFull(r.reason), `${where}: emit rejects with STORE_WRITE_FAILED, got ${String(r.reason)}`);
              failure = rejected[0]!.reason as StoreWriteError;
            }
          }
          assert.equal(errors[errorsBefore], failure, `${where}: errors$ reported the failure`);
        }
        assert.ok(failure !== undefined, `${where}: the disk filled up`);
        failedAt.push(failure.details.firstSeq as number);
        await assertFailedCleanly(file, rec, run, failure, where);
        assert.deepEqual(committed, range(storedSeqs(file, run.id).length - 1, 1), `${where}: events$ emitted exactly the stored events`);

        // Space is freed: flush writes everything kept, in order, and the chain holds.
        sqliteOf(rec.store).pragma(`max_page_count = ${UNLIMITED}`);
        await run.flush();
        assert.equal(run.error, null);
        assert.deepEqual(storedSeqs(file, run.id), range(run.seq), `${where}: after space returns every event is stored, gapless`);
        await chainOk(rec.store, run.id);
      }
      // The failures landed at many different places of the recording.
      assert.equal(new Set(failedAt).size, POINTS_PER_MODE, `distinct failure points: ${failedAt.join(', ')}`);

      // Full again at the end: close() rejects and keeps everything; once space returns it ends the run.
      sqliteOf(rec.store).pragma(`max_page_count = ${pageCount(rec)}`);
      for (let n = 0; n < 200; n++) run.append(criticEvaluated(i++, { rows: 40 }));
      await assert.rejects(run.close(), (e: unknown) => isFull(e), 'close() rejects while the disk is full');
      await assert.rejects(rec.close(), (e: unknown) => isFull(e));
      assert.equal(integrityCheck(file), 'ok');
      sqliteOf(rec.store).pragma(`max_page_count = ${UNLIMITED}`);
      await run.close();
      await rec.close();
      assert.deepEqual(storedSeqs(file, run.id), range(i + 2), 'run.started, every event emitted, run.ended');
      const db = rawDatabase(file);
      try {
        assert.equal(db.prepare('select status from runs where id = ?').pluck().get(run.id), 'completed');
        const ids = db.prepare("select count(*) from events where id like 'note-%'").pluck().get() as number;
        assert.ok(ids > 0, 'events with writer-chosen ids are stored');
      } finally {
        db.close();
      }
      const store = await SqliteEventStore.open(file, SMALL_PAGES);
      try {
        await chainOk(store, run.id);
      } finally {
        await store.close();
      }
      assert.equal(integrityCheck(file), 'ok');
    });
  }

  it('startRun on a full database rejects with STORE_WRITE_FAILED and leaves no run behind', async () => {
    const file = tmp.file('full-start.db');
    const rec = await Recorder.open(file, SMALL_PAGES);
    sqliteOf(rec.store).pragma(`max_page_count = ${pageCount(rec)}`);
    let failure: unknown;
    let started = 0;
    // Each run row takes room in the runs table; sooner or later creating one needs a new page.
    for (let k = 0; k < 500 && failure === undefined; k++) {
      try {
        const run = await rec.startRun({ ...INLINE_WRITES, id: `start-${k}`, name: 'n'.repeat(150), batchSize: 1 });
        started++;
        await run.flush().catch(() => undefined);
      } catch (e) {
        failure = e;
      }
    }
    assert.ok(isFull(failure), `startRun rejects with a StoreWriteError STORE_WRITE_FAILED (SQLITE_FULL), got ${String(failure)}`);
    const db = rawDatabase(file);
    try {
      assert.equal(db.prepare('select count(*) from runs').pluck().get(), started, 'the refused run was not created');
    } finally {
      db.close();
    }
    assert.equal(integrityCheck(file), 'ok');
    sqliteOf(rec.store).pragma(`max_page_count = ${UNLIMITED}`);
    await rec.close();
  });
});

describe('disk full while importing', () => {
  let ndjson = '';
  const EVENTS = 120;

  before(async () => {
    const source = tmp.file('import-source.db');
    const rec = await Recorder.open(source, SMALL_PAGES);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'to-import', batchSize: 50 });
    const rand = prng(7);
    for (let i = 0; i < EVENTS; i++) run.append(mixedEvent(i, rand));
    await rec.close();
    ndjson = tmp.file('to-import.ndjson');
    const store = await SqliteEventStore.open(source, SMALL_PAGES);
    try {
      const out = createWriteStream(ndjson);
      await exportRun(store, 'to-import', out);
      out.end();
      await once(out, 'close');
    } finally {
      await store.close();
    }
  });

  /** Imports and checks: either everything is imported and verifies, or a STORE_WRITE_FAILED and nothing at all. */
  async function importOrNothing(target: SqliteEventStore, where: string): Promise<StoreWriteError | null> {
    const r = await importNdjson(target, ndjson).then(
      (ok) => ok,
      (e: unknown) => e,
    );
    const count = (sql: string) => target.sqlite.prepare(sql).pluck().get() as number;
    if (r instanceof Error) {
      assert.ok(isFull(r), `${where}: a StoreWriteError STORE_WRITE_FAILED (SQLITE_FULL), got ${r.constructor.name}: ${r.message}`);
      assert.match(r.message, /nothing (of this batch )?was stored/);
      assert.equal(target.sqlite.inTransaction, false, `${where}: the import transaction was rolled back`);
      assert.equal(count("select count(*) from runs where id = 'to-import'"), 0, `${where}: no run created`);
      assert.equal(count("select count(*) from events e join runs r on r.pk = e.run_pk where r.id = 'to-import'"), 0, `${where}: no event imported`);
      assert.equal(count('select count(*) from blobs'), 0, `${where}: no blob imported`);
      assert.equal(integrityCheck(target.path), 'ok');
      return r;
    }
    assert.deepEqual(r, { run: 'to-import', events: EVENTS + 2, skipped: 0 });
    const report = await verifyChain(target, 'to-import');
    assert.ok(report.ok, String(report.problem));
    return null;
  }

  it('an import into a full database fails with STORE_WRITE_FAILED at every limit and imports nothing; with room it imports everything', async () => {
    const target = await SqliteEventStore.open(tmp.file('import-target.db'), SMALL_PAGES);
    try {
      const base = target.sqlite.pragma('page_count', { simple: true }) as number;
      let failures = 0;
      for (let spare = 0; ; spare++) {
        target.sqlite.pragma(`max_page_count = ${base + spare}`);
        if ((await importOrNothing(target, `limit = pages + ${spare}`)) === null) break;
        failures++;
      }
      assert.ok(failures >= 10, `the import failed at many limits (${failures})`);
    } finally {
      await target.close();
    }
  });

  it('an import whose run row does not fit fails the same way', async () => {
    const target = await SqliteEventStore.open(tmp.file('import-runs-full.db'), SMALL_PAGES);
    try {
      target.sqlite.pragma(`max_page_count = ${target.sqlite.pragma('page_count', { simple: true }) as number}`);
      // Fill the runs table's pages: the import's own run row then needs a page that is not there.
      for (let k = 0; ; k++) {
        const ok = await target.createRun({ id: `o${k}`, name: null, env: null, backend: null, sourceRun: null }).then(
          () => true,
          () => false,
        );
        if (!ok) break;
      }
      const failure = await importOrNothing(target, 'runs table full');
      assert.ok(failure !== null && /could not create run to-import/.test(failure.message), String(failure?.message));
      target.sqlite.pragma(`max_page_count = ${UNLIMITED}`);
      assert.equal(await importOrNothing(target, 'after space returns'), null);
    } finally {
      await target.close();
    }
  });
});
