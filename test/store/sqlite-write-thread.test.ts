import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import type { PreparedEvent } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { packBatch, unpackBatch } from '../../src/store/sqlite-write-wire.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { criticEvaluated } from '../helpers/sample-events.js';
import { integrityCheck, range, rawDatabase, storedSeqs, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());

/** Every stored column of a run but pos, through a raw connection. */
function storedRows(file: string, run: string): unknown[] {
  const db = rawDatabase(file);
  try {
    return db.prepare('select e.seq, e.id, e.type, e.v, e.episode, e.step, e.decision, e.component, e.version, e.parent, e.payload from events e join runs r on r.pk = e.run_pk where r.id = ? order by e.seq').all(run);
  } finally {
    db.close();
  }
}

/** Records 300 events, a fifth of them with blob-sized tensors, in batches of 16. */
async function record(file: string, writer: 'thread' | 'inline'): Promise<void> {
  const rec = await Recorder.open(file);
  const run = await rec.startRun({ id: 'r', batchSize: 16, batchMs: 1, writer });
  for (let i = 0; i < 300; i++) {
    run.append(criticEvaluated(i, { rows: i % 5 === 0 ? 40 : 2 }));
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
  }
  await rec.close();
}

describe('the SQLite writer thread', () => {
  it('stores what the inline writer stores, column for column, and the chain verifies', async () => {
    await record(tmp.file('thread.db'), 'thread');
    await record(tmp.file('inline.db'), 'inline');
    const threaded = storedRows(tmp.file('thread.db'), 'r');
    assert.equal(threaded.length, 302);
    assert.deepEqual(threaded, storedRows(tmp.file('inline.db'), 'r'));
    const store = await SqliteEventStore.open(tmp.file('thread.db'));
    try {
      const report = await verifyChain(store, 'r');
      assert.ok(report.ok, String(report.problem));
    } finally {
      await store.close();
    }
    assert.equal(integrityCheck(tmp.file('thread.db')), 'ok');
  });

  it('writes a closed batch while the recording thread goes on: nothing is stored yet when append returns, all of it after flush', async () => {
    const file = tmp.file('async.db');
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'a', batchSize: 10, batchMs: 1e9 });
    await run.flush();
    // Another connection holds the write lock, so the thread cannot commit before we look: an
    // inline write would block this call instead, until the busy timeout.
    const lock = rawDatabase(file);
    lock.exec('begin immediate');
    for (let i = 0; i < 10; i++) run.append(criticEvaluated(i));
    const seen = lock.prepare("select e.seq from events e join runs r on r.pk = e.run_pk where r.id = 'a' order by e.seq").pluck().all();
    lock.exec('rollback');
    lock.close();
    assert.deepEqual(seen, [0], 'the full batch went to the thread, not into this call');
    await run.flush();
    assert.deepEqual(storedSeqs(file, 'a'), range(11));
    await rec.close();
  });

  it('keeps writing while an agent never yields to the event loop: each closed batch settles the finished write and posts the next', async () => {
    const file = tmp.file('busy.db');
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'b', batchSize: 10, batchMs: 1e9 });
    await run.flush();
    const reader = rawDatabase(file);
    const count = reader.prepare("select count(*) from events e join runs r on r.pk = e.run_pk where r.id = 'b'").pluck();
    // Synchronous from here to the last assertion: no answer can arrive through the event loop.
    const storedWithin = (n: number, ms: number): boolean => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) if ((count.get() as number) >= n) return true;
      return false;
    };
    for (let i = 0; i < 10; i++) run.append(criticEvaluated(i));
    assert.ok(storedWithin(11, 20_000), 'the first batch is stored by the thread');
    // The thread answers just after its commit: batches keep closing until one finds the answer
    // there and posts what waits behind it. Without that, nothing more is stored until a yield.
    let seq = 10;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (count.get() as number) <= 11) {
      for (let i = 0; i < 10; i++) run.append(criticEvaluated(seq++));
      storedWithin(12, 50);
    }
    assert.ok((count.get() as number) > 11, 'a later batch was posted when one closed, not left for the event loop');
    reader.close();
    await rec.close();
    assert.deepEqual(storedSeqs(file, 'b'), range(seq + 2));
  });

  it('is one per file store, and none for an in-memory or read-only store', async () => {
    const store = await SqliteEventStore.open(tmp.file('one.db'));
    const memory = await SqliteEventStore.open(':memory:');
    try {
      const thread = store.writeThread();
      assert.notEqual(thread, null);
      assert.equal(store.writeThread(), thread);
      assert.equal(memory.writeThread(), null);
    } finally {
      await store.close();
      await memory.close();
    }
    const reader = await SqliteEventStore.open(tmp.file('one.db'), { readonly: true });
    try {
      assert.equal(reader.writeThread(), null);
    } finally {
      await reader.close();
    }
  });

  it('reports another writer on the run as the typed error, with both heads', async () => {
    const file = tmp.file('two.db');
    const first = await Recorder.open(file);
    const a = await first.startRun({ id: 's', batchSize: 5, batchMs: 1e9 });
    await a.flush();
    const second = await Recorder.open(file);
    const b = await second.resumeRun('s');
    for (let i = 0; i < 5; i++) a.append(criticEvaluated(i));
    await a.flush();
    b.append(criticEvaluated(99));
    await assert.rejects(b.flush(), (e: unknown) => e instanceof FlightrecError && e.code === 'RUN_HAS_ANOTHER_WRITER' && e.details.expected === 0 && e.details.actual === 5);
    await first.close();
    await assert.rejects(second.close());
    await second.store.close();
    assert.deepEqual(storedSeqs(file, 's'), range(7));
  });

  it('loses nothing and stores nothing twice when the thread dies mid-run: the rest is written on the store connection', async () => {
    const file = tmp.file('lost.db');
    const rec = await Recorder.open(file);
    const run = await rec.startRun({ id: 'l', batchSize: 8, batchMs: 1e9 });
    for (let i = 0; i < 40; i++) run.append(criticEvaluated(i));
    const store = rec.store as SqliteEventStore;
    const thread = store.writeThread() as unknown as { worker: { terminate(): Promise<number> }; threaded: boolean };
    await thread.worker.terminate();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(thread.threaded, false, 'the store knows its thread is gone');
    for (let i = 40; i < 80; i++) run.append(criticEvaluated(i));
    await rec.close();
    assert.deepEqual(storedSeqs(file, 'l'), range(82));
    assert.equal(integrityCheck(file), 'ok');
  });

  it('refuses an unknown writer naming the field and the value', async () => {
    const rec = await Recorder.open(tmp.file('bad.db'));
    try {
      await assert.rejects(rec.startRun({ writer: 'fast' as 'thread' }), (e: unknown) => e instanceof FlightrecError && e.code === 'INVALID_INPUT' && e.details.field === 'writer' && e.details.value === 'fast');
    } finally {
      await rec.close().catch(() => undefined);
    }
  });

  it('packs a batch and unpacks the same events and blobs, whatever they hold (fast-check)', () => {
    const text = fc.option(fc.string({ maxLength: 20 }), { nil: null });
    const int = fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: null });
    const event = fc.record({ id: fc.string({ maxLength: 20 }), type: fc.string({ minLength: 1, maxLength: 20 }), v: fc.integer({ min: 1, max: 9 }), t: fc.double({ noNaN: true }), episode: int, step: int, decision: int, component: text, version: text, parent: int, payload: fc.uint8Array({ maxLength: 200 }), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.dictionary(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 500 }), { maxKeys: 5 }), fc.option(fc.constantFrom('completed', 'failed'), { nil: undefined }), (raw, blobObject, status) => {
        const events: PreparedEvent[] = raw.map((e, seq) => ({ seq, ...e }));
        const blobs = new Map(Object.entries(blobObject));
        const { batch } = packBatch({ pk: 3, id: 'run' }, 7, events, blobs, status);
        const back = unpackBatch(structuredClone(batch));
        assert.deepEqual(back.events.map((e) => ({ ...e, payload: new Uint8Array(e.payload), hash: new Uint8Array(e.hash) })), events);
        assert.deepEqual(new Map([...back.blobs].map(([k, v]) => [k, new Uint8Array(v)])), blobs);
        assert.equal(batch.status, status ?? null);
      }),
    );
  });

  it('refuses a malformed batch instead of storing parts of it', () => {
    const { batch } = packBatch({ pk: 1, id: 'run' }, -1, [{ seq: 0, id: 'x', type: 't', v: 1, t: 0, episode: null, step: null, decision: null, component: null, version: null, parent: null, payload: new Uint8Array(4), hash: new Uint8Array(32) }], new Map(), undefined);
    assert.throws(() => unpackBatch({ ...batch, cells: batch.cells.slice(1) }), /malformed write batch/);
    assert.throws(() => unpackBatch({ ...batch, payloadEnds: new Uint32Array([99]) }), /part 0 ends at 99/);
  });
});
