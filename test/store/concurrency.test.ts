import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation, criticEvaluated } from '../helpers/sample-events.js';
import { spawnHelper } from '../helpers/spawn-child.js';
import { INLINE_WRITES, integrityCheck, range, rawDatabase, runRow, storedSeqs, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());

async function verified(file: string, run: string) {
  const store = await SqliteEventStore.open(file);
  try {
    return await verifyChain(store, run);
  } finally {
    await store.close();
  }
}

describe('several processes writing one database', () => {
  it('4 children appending 3,000 events each to their own runs of one fresh file lose and duplicate nothing', async () => {
    const file = tmp.file('four.db');
    const WRITERS = 4;
    const COUNT = 3000;
    const runs = range(WRITERS).map((i) => `writer-${i}`);
    // All four open (and migrate) the not-yet-existing file at the same time.
    const children = runs.map((run, i) => spawnHelper('recording-child.js', ['concurrent', file, run, String(COUNT), String([100, 250, 64, 500][i])]));
    const results = await Promise.all(children.map((c) => c.exited));
    for (const [i, r] of results.entries()) {
      assert.equal(r.stderr, '', `writer ${i} reported nothing on stderr (no SQLITE_BUSY)`);
      assert.equal(r.code, 0, `writer ${i} exited 0`);
    }
    assert.equal(integrityCheck(file), 'ok');
    const db = rawDatabase(file);
    try {
      assert.equal(db.prepare('select count(*) from events').pluck().get(), WRITERS * (COUNT + 2));
      assert.equal(db.prepare('select count(distinct id) from events where id is not null').pluck().get(), WRITERS * COUNT);
      // The writers really did interleave: global positions of different runs alternate.
      const switches = db.prepare('select count(*) from (select run_pk, lag(run_pk) over (order by pos) as prev from events) where prev is not null and prev <> run_pk').pluck().get() as number;
      assert.ok(switches >= WRITERS - 1, `runs interleave in the log (${switches} switches)`);
    } finally {
      db.close();
    }
    const store = await SqliteEventStore.open(file);
    try {
      for (const run of runs) {
        const events = [];
        for await (const e of readEvents(store, run)) events.push(e);
        assert.deepEqual(
          events.map((e) => e.seq),
          range(COUNT + 2),
          `${run}: gapless`,
        );
        assert.deepEqual(
          events.slice(1, -1).map((e) => e.id),
          range(COUNT).map((i) => `${run}/${i}`),
          `${run}: exactly its own events, each once, in order`,
        );
        assert.deepEqual(
          events.slice(1, -1).map((e) => e.decision),
          range(COUNT),
        );
        const report = await verifyChain(store, run);
        assert.ok(report.ok, `${run}: ${report.problem}`);
        assert.equal((await store.getRun(run)).status, 'completed');
      }
    } finally {
      await store.close();
    }
  });

  it('a second writer on the same run (resumeRun while the first still writes) gets RUN_HAS_ANOTHER_WRITER; nothing is corrupted', async () => {
    const file = tmp.file('same-run.db');
    const first = await Recorder.open(file);
    // Inline: the test steps through which batch is stored when, and a writer thread stores them later.
    const a = await first.startRun({ ...INLINE_WRITES, id: 'shared', batchSize: 10, batchMs: 1e9 });
    const aErrors: FlightrecError[] = [];
    a.errors$.subscribe((e) => aErrors.push(e));
    for (let i = 0; i < 25; i++) a.append(criticEvaluated(i)); // seq 0..25: 2 batches written, 6 events buffered
    assert.deepEqual(storedSeqs(file, 'shared'), range(20));

    const second = await Recorder.open(file);
    const b = await second.resumeRun('shared', { ...INLINE_WRITES, batchSize: 10, batchMs: 1e9 });
    assert.equal(b.seq, 20, 'the second writer starts after the stored head');
    const bErrors: FlightrecError[] = [];
    b.errors$.subscribe((e) => bErrors.push(e));

    // The first writer keeps going and commits; the second's view of the head is now stale.
    for (let i = 25; i < 40; i++) a.append(criticEvaluated(i));
    await a.flush();
    b.append(annotation(1));
    await assert.rejects(b.flush(), (e: unknown) => e instanceof FlightrecError && e.code === 'RUN_HAS_ANOTHER_WRITER' && e.details.expected === 19 && e.details.actual === 40);
    assert.equal(bErrors[0]?.code, 'RUN_HAS_ANOTHER_WRITER');
    assert.deepEqual(aErrors, []);
    // Retrying does not merge: the second writer stays refused.
    await assert.rejects(b.flush(), (e: unknown) => (e as FlightrecError).code === 'RUN_HAS_ANOTHER_WRITER');

    await a.close();
    assert.deepEqual(storedSeqs(file, 'shared'), range(42), 'run.started, 40 events, run.ended — nothing of the second writer');
    const report = await verified(file, 'shared');
    assert.ok(report.ok, String(report.problem));
    await first.close();
    await assert.rejects(second.close(), (e: unknown) => (e as FlightrecError).code === 'RUN_HAS_ANOTHER_WRITER');
    await second.store.close();
    assert.equal(integrityCheck(file), 'ok');
  });

  it('the other way round: when the resumed writer commits first, the original writer is refused', async () => {
    const file = tmp.file('same-run-2.db');
    const first = await Recorder.open(file);
    const a = await first.startRun({ ...INLINE_WRITES, id: 'shared2', batchSize: 5, batchMs: 1e9 });
    for (let i = 0; i < 7; i++) a.append(criticEvaluated(i)); // seq 0..7: [0..4] written, 5..7 buffered
    const second = await Recorder.open(file);
    const b = await second.resumeRun('shared2');
    b.append(annotation(1));
    await b.close();
    await assert.rejects(a.flush(), (e: unknown) => (e as FlightrecError).code === 'RUN_HAS_ANOTHER_WRITER');
    assert.deepEqual(storedSeqs(file, 'shared2'), range(7), 'the first batch of the first writer, then the second writer');
    assert.equal(runRow(file, 'shared2')!.status, 'completed');
    const report = await verified(file, 'shared2');
    assert.ok(report.ok, String(report.problem));
    await assert.rejects(first.close());
    await first.store.close();
    await second.close();
  });

  it('a child process resuming a run that this process is writing: one side is refused, the log stays consistent', async () => {
    const file = tmp.file('cross.db');
    const rec = await Recorder.open(file);
    const a = await rec.startRun({ id: 'contested', batchSize: 20, batchMs: 1e9 });
    const aCodes: string[] = [];
    a.errors$.subscribe((e) => aCodes.push(e.code));
    await a.flush();
    const child = spawnHelper('recording-child.js', ['contend', file, 'contested', '5000', '20']);
    let i = 0;
    let childDone = false;
    void child.exited.then(() => {
      childDone = true;
    });
    // Keep writing until one side is refused and the child has reported.
    while (aCodes.length === 0 && !childDone) {
      for (let k = 0; k < 20; k++) a.append(criticEvaluated(i++));
      await new Promise((r) => setImmediate(r));
    }
    const { code, stderr } = await child.exited;
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const report = JSON.parse(child.lines.find((l) => l.startsWith('{'))!) as { codes: string[]; flushed: string };
    const refused = [...aCodes, ...report.codes, report.flushed].filter((c) => c === 'RUN_HAS_ANOTHER_WRITER');
    assert.ok(refused.length > 0, `one writer was refused (parent ${aCodes.join(',')}, child ${JSON.stringify(report)})`);
    for (const c of [...aCodes, ...report.codes]) assert.equal(c, 'RUN_HAS_ANOTHER_WRITER', 'no other kind of failure (e.g. SQLITE_BUSY)');
    await rec.close().catch(() => undefined);
    await rec.store.close();
    assert.equal(integrityCheck(file), 'ok');
    const seqs = storedSeqs(file, 'contested');
    assert.deepEqual(seqs, range(seqs.length));
    const chain = await verified(file, 'contested');
    assert.ok(chain.ok, String(chain.problem));
  });
});
