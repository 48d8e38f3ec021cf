import assert from 'node:assert/strict';
import type { EventStore } from '../../src/store/event-store.js';
import { sqliteOf } from '../helpers/sqlite-of.js';
import { after, describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { EventValidationError, UnknownEventTypeError } from '../../src/events/event-errors.js';
import type { RecordedEvent } from '../../src/events/registry.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents } from '../../src/store/event-reader.js';
import { StoreWriteError } from '../../src/store/store-errors.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation, componentUpdated, criticEvaluated } from '../helpers/sample-events.js';
import { integrityCheck, range, rawDatabase, runRow, SMALL_PAGES, INLINE_WRITES, storedSeqs, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const newFile = () => tmp.file(`rec-${n++}.db`);

async function readAll(store: EventStore, run: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of readEvents(store, run)) out.push(e);
  return out;
}

async function assertChainOk(file: string, run: string): Promise<void> {
  const store = await SqliteEventStore.open(file);
  try {
    const report = await verifyChain(store, run);
    assert.ok(report.ok, `chain of ${run}: ${report.problem}`);
  } finally {
    await store.close();
  }
}

const hasCode = (code: string) => (e: unknown) => e instanceof FlightrecError && e.code === code;

describe('Recorder: ordering and durability', () => {
  it('events$ emits each committed event once, in seq order, already readable from another connection', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'ordered', batchSize: 64, batchMs: 5 });
    const reader = rawDatabase(file);
    const seen: number[] = [];
    const problems: string[] = [];
    const stored = reader.prepare("select hash from events e join runs r on r.pk = e.run_pk where r.id = 'ordered' and e.seq = ?").pluck();
    run.events$.subscribe((e) => {
      seen.push(e.seq);
      const hash = stored.get(e.seq) as Buffer | undefined;
      if (hash === undefined) problems.push(`seq ${e.seq} emitted before it was committed`);
      else if (hash.toString('hex') !== e.hash) problems.push(`seq ${e.seq} emitted with another hash`);
    });
    for (let i = 0; i < 500; i++) {
      run.append(criticEvaluated(i));
      if (i % 97 === 0) await new Promise((r) => setTimeout(r, 10)); // let time-closed batches form too
    }
    await run.close();
    reader.close();
    assert.deepEqual(problems, []);
    assert.deepEqual(seen, range(502), 'run.started, 500 events, run.ended — each once, in order');
    await rec.close();
  });

  it("emit in 'commit' mode resolves only once the row is readable from a second connection", async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'committed', durability: 'commit' });
    const reader = rawDatabase(file);
    const count = reader.prepare("select count(*) from events e join runs r on r.pk = e.run_pk where r.id = 'committed' and e.seq = ?").pluck();
    for (let i = 0; i < 40; i++) {
      const pending = run.emit(criticEvaluated(i));
      const ref = await pending;
      assert.equal(ref.seq, i + 1);
      assert.equal(count.get(ref.seq), 1, `seq ${ref.seq} is stored when emit resolves`);
    }
    // Concurrent emits: each resolves after its own commit.
    const refs = await Promise.all(range(30).map((i) => run.emit(annotation(i)).then((ref) => ({ ref, stored: count.get(ref.seq) }))));
    assert.deepEqual(
      refs.map((r) => r.stored),
      refs.map(() => 1),
    );
    reader.close();
    await rec.close();
    await assertChainOk(file, 'committed');
  });

  it('run.started is seq 0, seq is gapless, close() writes run.ended and sets the status', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'lifecycle', name: 'life', seed: 7, config: { lr: 0.1 } });
    const refs = range(120).map((i) => run.append(criticEvaluated(i)));
    assert.deepEqual(
      refs.map((r) => r.seq),
      range(120, 1),
    );
    assert.equal(refs[0]!.id, 'lifecycle:1', 'default id is <run>:<seq>');
    assert.throws(() => run.append({ type: 'run.started', payload: { name: null, config: {}, seed: null, env: null, components: [], backend: null, code_version: null, source_run: null, overrides: null } }), hasCode('INVALID_EVENT'));
    assert.equal(runRow(file, 'lifecycle')!.status, 'recording');
    await run.close();
    await run.close(); // idempotent
    assert.throws(() => run.append(criticEvaluated(0)), hasCode('RUN_CLOSED'));
    await assert.rejects(run.emit(criticEvaluated(0)), hasCode('RUN_CLOSED'));
    const events = await readAll(rec.store, 'lifecycle');
    assert.deepEqual(
      events.map((e) => e.seq),
      range(122),
    );
    assert.equal(events[0]!.type, 'run.started');
    assert.deepEqual((events[0]!.payload as { config: unknown; seed: unknown; name: unknown }).config, { lr: 0.1 });
    assert.equal(events[121]!.type, 'run.ended');
    assert.equal((events[121]!.payload as { status: string }).status, 'completed');
    assert.equal(runRow(file, 'lifecycle')!.status, 'completed');
    await assert.rejects(rec.resumeRun('lifecycle'), hasCode('RUN_ENDED'));

    const failed = await rec.startRun({ id: 'failing' });
    await failed.end('failed', 'diverged', { episodes: 3, decisions: 40 });
    const last = (await readAll(rec.store, 'failing')).at(-1)!;
    assert.deepEqual(last.payload, { status: 'failed', reason: 'diverged', episodes: 3, decisions: 40 });
    assert.equal(runRow(file, 'failing')!.status, 'failed');
    await assert.rejects(rec.startRun({ id: 'failing' }), hasCode('RUN_EXISTS'));
    await assert.rejects(rec.startRun({ id: 'bad id!' }), hasCode('INVALID_INPUT'));
    await rec.close();
    await assertChainOk(file, 'lifecycle');
    await assertChainOk(file, 'failing');
  });

  it('Recorder.close() closes every open run as completed', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const a = await rec.startRun({ id: 'a' });
    const b = await rec.startRun({ id: 'b', durability: 'commit' });
    a.append(criticEvaluated(1));
    b.append(criticEvaluated(2));
    await rec.close();
    for (const id of ['a', 'b']) {
      assert.equal(runRow(file, id)!.status, 'completed');
      assert.deepEqual(storedSeqs(file, id), [0, 1, 2]);
      await assertChainOk(file, id);
    }
  });

  it('negative zero in an envelope field is stored and chained as 0', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'negzero' });
    run.append({ ...annotation(1), episode: -0, step: -0, decision: -0, parent: -0, t: -0 });
    await run.close();
    const events = await readAll(rec.store, 'negzero');
    assert.ok(Object.is(events[1]!.step, 0));
    await rec.close();
    await assertChainOk(file, 'negzero');
  });
});

describe('Recorder: idempotent ids', () => {
  it('an id already stored or still buffered is a no-op returning duplicate:true and the original seq', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'ids', batchSize: 1000, batchMs: 60_000 });
    const errors: unknown[] = [];
    run.errors$.subscribe((e) => errors.push(e));
    const first = run.append(criticEvaluated(1, { id: 'ev-1' }));
    assert.deepEqual(first, { run: 'ids', seq: 1, id: 'ev-1', duplicate: false });
    // Still buffered in the open batch:
    assert.deepEqual(run.append(criticEvaluated(99, { id: 'ev-1' })), { run: 'ids', seq: 1, id: 'ev-1', duplicate: true });
    run.append(criticEvaluated(2, { id: 'ev-2' }));
    await run.flush();
    // Stored:
    assert.deepEqual(run.append(annotation(5, { id: 'ev-2' })), { run: 'ids', seq: 2, id: 'ev-2', duplicate: true });
    assert.equal(run.seq, 3, 'duplicates take no seq');
    await run.flush();
    assert.deepEqual(errors, []);
    assert.deepEqual(storedSeqs(file, 'ids'), [0, 1, 2]);
    // The stored event is the first one, not the duplicate.
    const stored = await readAll(rec.store, 'ids');
    assert.equal(stored[1]!.decision, 1);
    // Simulate a crash: the run stays 'recording' and the file is reopened.
    await rec.store.close();

    const rec2 = await Recorder.open(file);
    const resumed = await rec2.resumeRun('ids', { durability: 'commit' });
    assert.deepEqual(resumed.append(criticEvaluated(3, { id: 'ev-1' })), { run: 'ids', seq: 1, id: 'ev-1', duplicate: true });
    assert.deepEqual(await resumed.emit(criticEvaluated(3, { id: 'ev-2' })), { run: 'ids', seq: 2, id: 'ev-2', duplicate: true });
    assert.deepEqual(await resumed.emit(criticEvaluated(3, { id: 'ev-3' })), { run: 'ids', seq: 3, id: 'ev-3', duplicate: false });
    await rec2.close();

    const rec3 = await Recorder.open(file);
    const other = await rec3.startRun({ id: 'ids-2' });
    assert.deepEqual(other.append(annotation(7, { id: 'ev-3' })), { run: 'ids', seq: 3, id: 'ev-3', duplicate: true }, 'ids are unique across runs');
    assert.equal(other.append(annotation(7, { id: 'ev-4' })).seq, 1);
    await rec3.close();
    assert.deepEqual(storedSeqs(file, 'ids'), [0, 1, 2, 3, 4]);
    assert.deepEqual(storedSeqs(file, 'ids-2'), [0, 1, 2]);
    await assertChainOk(file, 'ids');
    await assertChainOk(file, 'ids-2');
  });
});

describe('Recorder: invalid events', () => {
  it('throw before anything is queued; nothing of them is stored and seq stays gapless', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'invalid' });
    const commit = await rec.startRun({ id: 'invalid-commit', durability: 'commit' });
    run.append(criticEvaluated(1));
    const bad: unknown[] = [
      { ...criticEvaluated(2), extra: true },
      { ...criticEvaluated(2), step: -1 },
      { ...criticEvaluated(2), type: 'critic.evaluatd' },
      { type: 'env.stepped', payload: { action: 0, observation: { dtype: 'float32', shape: [1], data: new Float32Array(1) }, reward: Number.NaN, terminated: false, truncated: false, performance: null } },
      null,
      // Valid for the schema, but its string cannot be stored as written (lone surrogate).
      { ...annotation(2), payload: { ...annotation(2).payload, note: 'bad \uD800 note' } },
      // Valid for the schema, but nested too deep for the codec.
      { ...componentUpdated(2), payload: { ...componentUpdated(2).payload, hyper: JSON.parse(`${'['.repeat(70)}1${']'.repeat(70)}`) } },
    ];
    for (const ev of bad) {
      const before = run.seq;
      assert.throws(() => run.append(ev), (e: unknown) => e instanceof FlightrecError, JSON.stringify(ev));
      assert.equal(run.seq, before, 'no seq was taken');
      // emit reports the same problem as a rejection, in both modes, never a synchronous throw.
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = run.emit(ev);
      });
      await assert.rejects(promise!, (e: unknown) => e instanceof FlightrecError);
      await assert.rejects(commit.emit(ev), (e: unknown) => e instanceof FlightrecError);
    }
    assert.throws(() => run.append({ ...criticEvaluated(2), extra: true }), EventValidationError);
    assert.throws(() => run.append({ type: 'nope', payload: {} }), UnknownEventTypeError);
    run.append(criticEvaluated(3));
    await rec.close();
    const events = await (async () => {
      const store = await SqliteEventStore.open(file);
      try {
        return await readAll(store, 'invalid');
      } finally {
        await store.close();
      }
    })();
    assert.deepEqual(
      events.map((e) => [e.seq, e.type, e.decision]),
      [
        [0, 'run.started', null],
        [1, 'critic.evaluated', 1],
        [2, 'critic.evaluated', 3],
        [3, 'run.ended', null],
      ],
    );
    assert.deepEqual(storedSeqs(file, 'invalid-commit'), [0, 1]);
    await assertChainOk(file, 'invalid');
    await assertChainOk(file, 'invalid-commit');
  });
});

describe('Recorder: schema versions', () => {
  it('refuses a database with a migration it does not know, with code SCHEMA_TOO_NEW, and leaves it untouched', async () => {
    const file = newFile();
    await (await Recorder.open(file)).close();
    const db = rawDatabase(file);
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('0099-from-the-future', new Date().toISOString());
    const before = db.prepare('select name from kysely_migration order by name').pluck().all();
    db.close();
    await assert.rejects(Recorder.open(file), (e: unknown) => hasCode('SCHEMA_TOO_NEW')(e) && /0099-from-the-future/.test((e as Error).message));
    await assert.rejects(SqliteEventStore.open(file, { readonly: true }), hasCode('SCHEMA_TOO_NEW'));
    const again = rawDatabase(file);
    assert.deepEqual(again.prepare('select name from kysely_migration order by name').pluck().all(), before);
    again.close();
  });
});

describe('Recorder: write failures (disk full)', () => {
  function fillDisk(rec: Recorder, spare: number): number {
    const sqlite = sqliteOf(rec.store);
    const pages = sqlite.pragma('page_count', { simple: true }) as number;
    sqlite.pragma(`max_page_count = ${pages + spare}`);
    return pages;
  }

  it("'batch' mode: errors$ reports STORE_WRITE_FAILED, flush/close reject, no partial batch is stored; after space returns everything is written", async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const BATCH = 20;
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'full', batchSize: BATCH, batchMs: 60_000 });
    await run.flush(); // run.started alone: every later batch ends at seq ≡ 0 (mod BATCH)
    const committed: number[] = [];
    const errors: FlightrecError[] = [];
    run.events$.subscribe((e) => committed.push(e.seq));
    run.errors$.subscribe((e) => errors.push(e));
    fillDisk(rec, 3);
    const N = 400;
    for (let i = 0; i < N; i++) run.append(criticEvaluated(i, { rows: i % 7 === 0 ? 40 : 2 }));
    assert.ok(errors.length > 0, 'errors$ emitted');
    for (const e of errors) {
      assert.ok(e instanceof StoreWriteError, `a StoreWriteError, got ${e.constructor.name}`);
      assert.equal(e.code, 'STORE_WRITE_FAILED');
      assert.equal(e.details.sqliteCode, 'SQLITE_FULL');
    }
    assert.equal(run.error, errors.at(-1));
    await assert.rejects(run.flush(), hasCode('STORE_WRITE_FAILED'));
    await assert.rejects(run.close(), hasCode('STORE_WRITE_FAILED'));
    await assert.rejects(rec.close(), hasCode('STORE_WRITE_FAILED'));

    // The database is intact and holds exactly the committed batches.
    assert.equal(integrityCheck(file), 'ok');
    assert.deepEqual((sqliteOf(rec.store).pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
    const seqs = storedSeqs(file, 'full');
    assert.ok(seqs.length > 1 && seqs.length < N, `some but not all batches were stored (${seqs.length})`);
    assert.deepEqual(seqs, range(seqs.length));
    assert.equal((seqs.length - 1) % BATCH, 0, `stored events end at a batch boundary (${seqs.length - 1} after run.started)`);
    assert.deepEqual(committed, seqs.slice(1), 'events$ emitted exactly the committed events');
    assert.equal(runRow(file, 'full')!.head_seq, seqs.length - 1);
    await assertChainOk(file, 'full');

    // Space returns: the retained events are written, in order, and the chain holds.
    sqliteOf(rec.store).pragma('max_page_count = 1073741823');
    await run.flush();
    assert.equal(run.error, null);
    assert.deepEqual(storedSeqs(file, 'full'), range(N + 2), 'run.started, every event, and the run.ended close() appended');
    await run.close();
    assert.equal(runRow(file, 'full')!.status, 'completed');
    assert.deepEqual(committed, range(N + 1, 1));
    await rec.close();
    assert.equal(integrityCheck(file), 'ok');
    await assertChainOk(file, 'full');
  });

  it("'commit' mode: emit rejects with STORE_WRITE_FAILED while the disk is full; the kept event is written once space returns", async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'full-commit', durability: 'commit' });
    await run.flush();
    fillDisk(rec, 2);
    let acknowledged = 0;
    let failure: unknown;
    for (let i = 0; i < 2000 && failure === undefined; i++) {
      try {
        await run.emit(criticEvaluated(i, { rows: 40 }));
        acknowledged++;
      } catch (e) {
        failure = e;
      }
    }
    assert.ok(failure instanceof StoreWriteError, `emit rejected with StoreWriteError, got ${String(failure)}`);
    assert.equal(failure.code, 'STORE_WRITE_FAILED');
    assert.deepEqual(storedSeqs(file, 'full-commit'), range(acknowledged + 1), 'exactly the acknowledged events are stored');
    assert.equal(integrityCheck(file), 'ok');
    sqliteOf(rec.store).pragma('max_page_count = 1073741823');
    await run.flush();
    assert.deepEqual(storedSeqs(file, 'full-commit'), range(acknowledged + 2), 'the rejected event was kept and written by flush');
    const ref = await run.emit(annotation(1));
    assert.equal(ref.seq, acknowledged + 2);
    await rec.close();
    await assertChainOk(file, 'full-commit');
  });

  it('a read-only database refuses writes with STORE_WRITE_FAILED naming the run and seqs', async () => {
    const file = newFile();
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'ro' });
    await run.flush();
    sqliteOf(rec.store).pragma('query_only = 1');
    run.append(annotation(1));
    await assert.rejects(run.flush(), (e: unknown) => e instanceof StoreWriteError && /ro/.test(e.message) && e.details.firstSeq === 1 && e.details.count === 1);
    sqliteOf(rec.store).pragma('query_only = 0');
    await rec.close();
    assert.deepEqual(storedSeqs(file, 'ro'), [0, 1, 2]);
  });
});
