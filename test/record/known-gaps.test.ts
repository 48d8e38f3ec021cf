import assert from 'node:assert/strict';
import { sqliteOf } from '../helpers/sqlite-of.js';
import { after, describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import type { EventRef } from '../../src/record/batching-options.js';
import { BufferFullError } from '../../src/record/recording-errors.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation, criticEvaluated } from '../helpers/sample-events.js';
import { integrityCheck, range, rawDatabase, SMALL_PAGES, INLINE_WRITES, storedSeqs, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const newFile = () => tmp.file(`gaps-${n++}.db`);
const UNLIMITED = 1073741823;

async function chainOk(file: string, run: string): Promise<void> {
  const store = await SqliteEventStore.open(file, { readonly: true });
  try {
    const r = await verifyChain(store, run);
    assert.ok(r.ok, `chain of ${run}: ${r.problem}`);
  } finally {
    await store.close();
  }
}

function fillDisk(rec: Recorder, spare: number): void {
  const pages = sqliteOf(rec.store).pragma('page_count', { simple: true }) as number;
  sqliteOf(rec.store).pragma(`max_page_count = ${pages + spare}`);
}

const settled = async (p: Promise<unknown>, ms: number): Promise<boolean> => {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
};

describe('writer-chosen ids shared by two runs of one process', () => {
  it('a second run buffering an id the first still buffers gets the first event as a duplicate; neither batch sticks', async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const a = await rec.startRun({ ...INLINE_WRITES, id: 'run-a', batchMs: 60_000 });
    const b = await rec.startRun({ ...INLINE_WRITES, id: 'run-b', batchMs: 60_000 });
    const first = a.append(annotation(1, { id: 'shared' }));
    assert.deepEqual(b.append(annotation(2, { id: 'shared' })), { run: 'run-a', seq: first.seq, id: 'shared', duplicate: true });
    // Another recorder on the same file in this process shares the registry too.
    const rec2 = await Recorder.open(file, SMALL_PAGES);
    const c = await rec2.startRun({ ...INLINE_WRITES, id: 'run-c', batchMs: 60_000 });
    assert.deepEqual(c.append(annotation(3, { id: 'shared' })), { run: 'run-a', seq: first.seq, id: 'shared', duplicate: true });
    await b.flush();
    await a.flush();
    await c.flush();
    assert.equal(b.error, null);
    assert.equal(c.error, null);
    b.append(annotation(4));
    await b.flush();
    await rec.close();
    await rec2.close();
    assert.deepEqual(storedSeqs(file, 'run-a'), range(3));
    assert.deepEqual(storedSeqs(file, 'run-b'), range(3), 'run.started, one annotation, run.ended: the duplicate took no seq');
    const db = rawDatabase(file);
    assert.equal(db.prepare("select count(*) from events where id = 'shared'").pluck().get(), 1);
    db.close();
    for (const r of ['run-a', 'run-b', 'run-c']) await chainOk(file, r);
  });
});

describe("'commit' mode: a duplicate id", () => {
  it('resolves only once the original is committed, not while it is still queued', async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'dup', durability: 'commit', batchMs: 300, batchSize: 1000 });
    await run.flush();
    const reader = rawDatabase(file);
    const storedNow = () => reader.prepare("select count(*) from events where id = 'ev'").pluck().get() as number;
    const order: string[] = [];
    const original = run.emit(criticEvaluated(1, { id: 'ev' })).then((r) => (order.push('original'), r));
    const duplicate = run.emit(criticEvaluated(9, { id: 'ev' })).then((r) => (order.push(`duplicate (stored ${storedNow()})`), r));
    assert.equal(await settled(duplicate, 100), false, 'the duplicate waits while its original is queued');
    const [o, d] = await Promise.all([original, duplicate]);
    assert.deepEqual(order, ['original', 'duplicate (stored 1)']);
    assert.deepEqual(d, { ...o, duplicate: true } satisfies EventRef);
    // Once stored, a duplicate resolves at once.
    assert.deepEqual(await run.emit(annotation(3, { id: 'ev' })), d);
    reader.close();
    await rec.close();
  });

  it('is rejected with the original when the original cannot be written, and resolves after its retry commits', async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'dup-full', durability: 'commit' });
    await run.flush();
    fillDisk(rec, 0);
    const original = run.emit(criticEvaluated(1, { id: 'big', rows: 400 }));
    const duplicate = run.emit(criticEvaluated(1, { id: 'big', rows: 400 }));
    await assert.rejects(original, (e: unknown) => e instanceof FlightrecError && e.code === 'STORE_WRITE_FAILED');
    await assert.rejects(duplicate, (e: unknown) => e instanceof FlightrecError && e.code === 'STORE_WRITE_FAILED');
    sqliteOf(rec.store).pragma(`max_page_count = ${UNLIMITED}`);
    const again = run.emit(criticEvaluated(1, { id: 'big', rows: 400 }));
    await run.flush();
    assert.equal((await again).duplicate, true);
    assert.deepEqual(storedSeqs(file, 'dup-full'), range(2));
    await rec.close();
  });
});

describe('bounded buffered memory while the disk stays full', () => {
  const BOUND = 64 * 1024;

  it("whenBufferFull 'reject': emit and append refuse past the bound with BUFFER_FULL; every acknowledged event is written once space returns", async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'bounded', batchSize: 10, batchMs: 60_000, maxBufferedBytes: BOUND, whenBufferFull: 'reject' });
    await run.flush();
    fillDisk(rec, 0);
    let acknowledged = 0;
    let refusal: unknown;
    for (let i = 0; i < 10_000 && refusal === undefined; i++) {
      try {
        await run.emit(criticEvaluated(i, { rows: 50 })); // ~1 kB of states each
        acknowledged++;
      } catch (e) {
        refusal = e;
      }
    }
    assert.ok(refusal instanceof BufferFullError, `refused with BufferFullError, got ${String(refusal)}`);
    assert.equal(refusal.code, 'BUFFER_FULL');
    assert.ok((refusal.details.bufferedBytes as number) >= BOUND && (refusal.details.bufferedBytes as number) < BOUND + 4096, `buffered ${refusal.details.bufferedBytes as number}`);
    assert.ok(acknowledged > 20 && acknowledged < 100, `${acknowledged} events taken before the bound`);
    assert.throws(() => run.append(annotation(1)), BufferFullError);
    const seqBefore = run.seq;
    assert.equal(seqBefore, acknowledged + 1, 'refused events take no seq');
    assert.deepEqual(storedSeqs(file, 'bounded'), [0]);
    sqliteOf(rec.store).pragma(`max_page_count = ${UNLIMITED}`);
    await run.flush();
    assert.deepEqual(storedSeqs(file, 'bounded'), range(acknowledged + 1), 'exactly the acknowledged events');
    assert.equal((await run.emit(annotation(2))).seq, seqBefore, 'recording goes on');
    await rec.close();
    assert.equal(integrityCheck(file), 'ok');
    await chainOk(file, 'bounded');
  });

  it("whenBufferFull 'wait' (the default): emit waits while the disk is full and is written, in order, once it frees", async () => {
    const file = newFile();
    const rec = await Recorder.open(file, SMALL_PAGES);
    const run = await rec.startRun({ ...INLINE_WRITES, id: 'waiting', batchSize: 10, batchMs: 60_000, maxBufferedBytes: BOUND });
    await run.flush();
    fillDisk(rec, 0);
    const taken: Promise<EventRef>[] = [];
    let waiting: Promise<EventRef> | null = null;
    for (let i = 0; i < 10_000 && waiting === null; i++) {
      const p = run.emit(criticEvaluated(i, { rows: 50 }));
      if (await settled(p, 0)) taken.push(p);
      else waiting = p;
    }
    assert.ok(waiting !== null, 'an emit past the bound waits');
    const next = run.emit(annotation(7));
    assert.equal(await settled(waiting, 400), false, 'still waiting while the disk is full');
    assert.throws(() => run.append(annotation(8)), BufferFullError, 'append cannot wait: it refuses');
    sqliteOf(rec.store).pragma(`max_page_count = ${UNLIMITED}`);
    const [w, x] = await Promise.all([waiting, next]);
    assert.equal(w.seq, taken.length + 1);
    assert.equal(x.seq, taken.length + 2, 'waiting emits keep their order');
    await rec.close();
    assert.deepEqual(storedSeqs(file, 'waiting'), range(taken.length + 4));
    await chainOk(file, 'waiting');
  });

  it('the bound is validated', async () => {
    const rec = await Recorder.open(newFile(), SMALL_PAGES);
    await assert.rejects(rec.startRun({ ...INLINE_WRITES, maxBufferedBytes: 0 }), (e: unknown) => e instanceof FlightrecError && e.code === 'INVALID_INPUT');
    await rec.close();
  });
});
