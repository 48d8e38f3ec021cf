import assert from 'node:assert/strict';
import { readGlobalUntil } from '../helpers/follow-global.js';
import { describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { parseEventInput, type EventInput } from '../../src/events/registry.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents } from '../../src/store/event-reader.js';
import type { EventStore, PreparedEvent } from '../../src/store/event-store.js';
import { GENESIS_HASH } from '../../src/store/hash-chain.js';
import { prepareEvent } from '../../src/store/prepare-event.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation, componentUpdated, criticEvaluated } from '../helpers/sample-events.js';

/** Opens a store on a fresh, empty database each call; `cleanup` removes every database made. */
export interface StoreFactory {
  open(): Promise<EventStore>;
  /** Another handle on the database of `store` (a second writer process would hold one). */
  reopen(store: EventStore): Promise<EventStore>;
}

const hasCode = (code: string) => (e: unknown) => e instanceof FlightrecError && e.code === code;

/** Events prepared as a writer would: chained from `previous`, blobs collected. */
function prepare(run: string, inputs: unknown[], fromSeq: number, previous: Uint8Array): { events: PreparedEvent[]; blobs: Map<string, Uint8Array> } {
  const blobs = new Map<string, Uint8Array>();
  const events: PreparedEvent[] = [];
  let prev = previous;
  for (const [i, input] of inputs.entries()) {
    parseEventInput(input);
    const row = prepareEvent(input as EventInput, run, fromSeq + i, prev, blobs);
    events.push(row);
    prev = row.hash;
  }
  return { events, blobs };
}

/**
 * What every EventStore promises, run against each store (as dm_env's EnvironmentTestMixin runs
 * against every environment): runs, atomic batches with gapless seqs, the head check, blobs,
 * idempotent ids, transactions, chains, the synchronous lookups and the global follow order.
 */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    it('creates empty runs and lists them newest first; an unknown run is NOT_FOUND', async () => {
      const store = await factory.open();
      try {
        const a = await store.createRun({ id: 'a', name: 'first', env: 'gridworld', backend: null, sourceRun: null, createdAt: 1_700_000_000_123 });
        const b = await store.createRun({ id: 'b', name: null, env: null, backend: null, sourceRun: 'a' });
        assert.equal(a.head_seq, -1);
        assert.equal(a.status, 'recording');
        assert.equal(a.created_at, 1_700_000_000_123, 'a time in ms past 2^32 reads back as the same number');
        assert.equal(typeof a.pk, 'number');
        assert.deepEqual((await store.listRuns()).map((r) => r.id), ['b', 'a']);
        assert.equal((await store.getRun('b')).source_run, 'a');
        await assert.rejects(store.getRun('nope'), hasCode('NOT_FOUND'));
        await assert.rejects(store.createRun({ id: 'a', name: null, env: null, backend: null, sourceRun: null }), hasCode('STORE_WRITE_FAILED'));
        await store.setStatus(b.pk, 'failed');
        assert.equal((await store.getRun('b')).status, 'failed');
        assert.equal(store.isOpen, true);
      } finally {
        await store.close();
      }
      assert.equal(store.isOpen, false);
    });

    it('appends batches atomically with gapless seqs and reads them back exactly, by seq and filtered', async () => {
      const store = await factory.open();
      try {
        const run = await store.createRun({ id: 'r', name: null, env: null, backend: null, sourceRun: null });
        const first = prepare('r', [...Array.from({ length: 60 }, (_, i) => criticEvaluated(i)), { ...annotation(0), t: 2 ** 53 - 1 }], 0, GENESIS_HASH);
        store.appendBatch(run, -1, first.events, first.blobs);
        const second = prepare('r', Array.from({ length: 40 }, (_, i) => criticEvaluated(100 + i, { episode: 7 })), 61, first.events.at(-1)!.hash);
        store.appendBatch(run, 60, second.events, second.blobs, 'completed');
        const row = await store.getRun('r');
        assert.equal(row.head_seq, 100);
        assert.equal(row.status, 'completed', 'the status given with a batch is set in its transaction');
        assert.deepEqual(Buffer.from(row.head_hash!), Buffer.from(second.events.at(-1)!.hash));
        const all = await store.readBySeq(run.pk, 0, 1000);
        assert.deepEqual(all.map((r) => r.seq), Array.from({ length: 101 }, (_, i) => i), 'seq is gapless from 0');
        const stored = [...first.events, ...second.events];
        for (const [i, r] of all.entries()) {
          const e = stored[i]!;
          assert.deepEqual([r.type, r.v, r.t, r.episode, r.step, r.decision, r.component, r.version, r.parent, r.id], [e.type, e.v, e.t, e.episode, e.step, e.decision, e.component, e.version, e.parent, e.id]);
          assert.deepEqual(Buffer.from(r.payload), Buffer.from(e.payload));
          assert.deepEqual(Buffer.from(r.hash), Buffer.from(e.hash));
        }
        assert.equal(all[60]!.t, 2 ** 53 - 1, 'the largest safe integer survives the round trip');
        assert.deepEqual((await store.readPage(run.pk, { episode: 7 }, -1, 1000)).map((r) => r.seq), Array.from({ length: 40 }, (_, i) => 61 + i));
        assert.deepEqual((await store.readPage(run.pk, { types: ['annotation'] }, -1, 10)).map((r) => r.seq), [60]);
        assert.deepEqual((await store.readPage(run.pk, { types: ['annotation', 'critic.evaluated'], seqFrom: 58, seqTo: 62 }, -1, 10)).map((r) => r.seq), [58, 59, 60, 61, 62]);
        assert.deepEqual((await store.readPage(run.pk, { decision: 5 }, -1, 10)).map((r) => r.seq), [5]);
        assert.deepEqual((await store.readPage(run.pk, {}, 95, 3)).map((r) => r.seq), [96, 97, 98], 'keyset pages after a seq');
        assert.deepEqual(store.readHashes(run.pk, 3).map((h) => Buffer.from(h).toString('hex')), stored.slice(0, 3).map((e) => Buffer.from(e.hash).toString('hex')));
        const report = await verifyChain(store, 'r');
        assert.equal(report.ok, true, report.problem ?? '');
        assert.equal(report.events, 101);
      } finally {
        await store.close();
      }
    });

    it('reads a decision or an episode whole when its events span batches and interleave with others, in seq order; counts payload bytes; keeps where an import came from', async () => {
      const store = await factory.open();
      try {
        const run = await store.createRun({ id: 'spans', name: null, env: null, backend: null, sourceRun: null, importedFrom: 'elsewhere.ndjson' });
        assert.equal(run.imported_from, 'elsewhere.ndjson');
        assert.equal(run.payload_bytes, 0);
        // Decisions 3 and 4 interleave; decision 3 and episode 1 go on in the second batch, after an annotation.
        const inputs = [3, 4, 3, 4, 3].map((d, i) => ({ ...criticEvaluated(i, { episode: 1, step: d }), decision: d }));
        const a = prepare('spans', [criticEvaluated(0, { episode: 0, step: 0 }), ...inputs], 0, GENESIS_HASH);
        store.appendBatch(run, -1, a.events, a.blobs);
        const b = prepare('spans', [annotation(0), { ...criticEvaluated(9, { episode: 1, step: 3 }), decision: 3 }, { ...criticEvaluated(10, { episode: 2, step: 0 }), decision: 10 }], 6, a.events.at(-1)!.hash);
        store.appendBatch(run, 5, b.events, b.blobs);
        const seqs = async (filter: Parameters<EventStore['readPage']>[1], after = -1, limit = 100) => (await store.readPage(run.pk, filter, after, limit)).map((r) => r.seq);
        assert.deepEqual(await seqs({ decision: 3 }), [1, 3, 5, 7]);
        assert.deepEqual(await seqs({ decision: 3 }, 1, 2), [3, 5], 'keyset pages within a decision');
        assert.deepEqual(await seqs({ decision: 4 }), [2, 4]);
        assert.deepEqual(await seqs({ decision: 5 }), []);
        assert.deepEqual(await seqs({ episode: 1 }), [1, 2, 3, 4, 5, 7]);
        assert.deepEqual(await seqs({ episode: 1, stepFrom: 4 }), [2, 4]);
        assert.deepEqual(await seqs({ decision: 3, seqFrom: 4, seqTo: 6 }), [5]);
        assert.deepEqual(await seqs({ decision: 3, types: ['annotation'] }), []);
        assert.deepEqual(await seqs({ types: ['critic.evaluated'], seqFrom: 6 }), [7, 8]);
        const row = await store.getRun('spans');
        assert.equal(row.payload_bytes, [...a.events, ...b.events].reduce((n, e) => n + e.payload.byteLength, 0));
        assert.equal((await verifyChain(store, 'spans')).ok, true);
      } finally {
        await store.close();
      }
    });

    it('a writer with a stale head gets RUN_HAS_ANOTHER_WRITER and nothing of its batch is stored', async () => {
      const store = await factory.open();
      const other = await factory.reopen(store);
      try {
        const run = await store.createRun({ id: 'c', name: null, env: null, backend: null, sourceRun: null });
        const a = prepare('c', [annotation(0), annotation(1)], 0, GENESIS_HASH);
        store.appendBatch(run, -1, a.events, a.blobs);
        const b = prepare('c', [annotation(9)], 0, GENESIS_HASH);
        assert.throws(() => other.appendBatch(run, -1, b.events, b.blobs), (e: unknown) => hasCode('RUN_HAS_ANOTHER_WRITER')(e) && (e as FlightrecError).details['actual'] === 1);
        assert.throws(() => store.appendBatch(run, 5, b.events, b.blobs), hasCode('RUN_HAS_ANOTHER_WRITER'));
        assert.deepEqual((await store.readBySeq(run.pk, 0, 10)).map((r) => r.type), ['annotation', 'annotation']);
        assert.equal((await other.getRun('c')).head_seq, 1);
      } finally {
        await other.close();
        await store.close();
      }
    });

    it('stores each blob once, returns it verified, sizes it without reading it, and names a missing one', async () => {
      const store = await factory.open();
      try {
        const run = await store.createRun({ id: 'blobs', name: null, env: null, backend: null, sourceRun: null });
        // rows: 24 puts 384 bytes of states in a blob; the same tensor twice is one blob.
        const p = prepare('blobs', [criticEvaluated(1, { rows: 24 }), criticEvaluated(1, { rows: 24 }), criticEvaluated(2)], 0, GENESIS_HASH);
        assert.equal(p.blobs.size, 1);
        store.appendBatch(run, -1, p.events, p.blobs);
        const [hex, bytes] = [...p.blobs][0]!;
        const hash = Buffer.from(hex, 'hex');
        assert.deepEqual(Buffer.from(store.getBlob(hash)), Buffer.from(bytes));
        assert.deepEqual(Buffer.from(store.getBlob(hash, { bypassCache: true })), Buffer.from(bytes));
        assert.equal(store.blobSizeSync(hash), bytes.byteLength);
        assert.equal(store.blobSizeSync(Buffer.alloc(32, 7)), undefined);
        assert.throws(() => store.getBlob(Buffer.alloc(32, 7)), hasCode('BLOB_INTEGRITY'));
        const events = [];
        for await (const e of readEvents(store, 'blobs')) events.push(e);
        const states = (events[0]!.payload as { states: { data: Float32Array } }).states.data;
        assert.deepEqual(Array.from(states.slice(0, 3)), [1, 1.125, 1.25]);
        // A second batch naming the same blob again is accepted (content-addressed).
        const q = prepare('blobs', [criticEvaluated(1, { rows: 24 })], 3, p.events.at(-1)!.hash);
        store.appendBatch(run, 2, q.events, q.blobs);
        assert.equal((await verifyChain(store, 'blobs')).ok, true);
      } finally {
        await store.close();
      }
    });

    it('a recorder emitting a writer-chosen id twice stores it once (idempotent appends), across runs and reopenings', async () => {
      const store = await factory.open();
      try {
        const rec = Recorder.using(store);
        const run = await rec.startRun({ id: 'idem', batchSize: 5 });
        const first = await run.emit(criticEvaluated(1, { id: 'evt-1' }));
        const again = await run.emit(criticEvaluated(1, { id: 'evt-1' }));
        assert.equal(again.duplicate, true);
        assert.equal(again.seq, first.seq);
        await run.flush();
        const found = store.findEventById('evt-1');
        assert.equal(found?.run, 'idem');
        assert.equal(found?.seq, first.seq);
        assert.equal(store.findEventById('evt-unknown'), undefined);
        const other = await rec.startRun({ id: 'idem-2' });
        const dup = await other.emit(criticEvaluated(1, { id: 'evt-1' }));
        assert.deepEqual([dup.run, dup.seq, dup.duplicate], ['idem', first.seq, true], 'ids are unique across the runs of a store');
        await other.close();
        await run.close();
        await rec.close();
        const ids = (await store.readBySeq((await store.getRun('idem')).pk, 0, 100)).filter((r) => r.id === 'evt-1');
        assert.equal(ids.length, 1);
      } finally {
        await store.close();
      }
    });

    it('writeTransaction commits everything inside it together, or nothing when it throws', async () => {
      const store = await factory.open();
      try {
        await assert.rejects(
          store.writeTransaction(async () => {
            const run = await store.createRun({ id: 'tx', name: null, env: null, backend: null, sourceRun: null });
            const p = prepare('tx', [annotation(0)], 0, GENESIS_HASH);
            store.appendBatch(run, -1, p.events, p.blobs);
            await store.setStatus(run.pk, 'completed');
            throw new Error('halfway');
          }),
          /halfway/,
        );
        assert.equal(await store.findRun('tx'), undefined, 'the run created inside was rolled back');
        const kept = await store.writeTransaction(async () => {
          const run = await store.createRun({ id: 'tx2', name: null, env: null, backend: null, sourceRun: null });
          const p = prepare('tx2', [annotation(0), annotation(1)], 0, GENESIS_HASH);
          store.appendBatch(run, -1, p.events.slice(0, 1), p.blobs);
          store.appendBatch(run, 0, p.events.slice(1), p.blobs);
          await store.setStatus(run.pk, 'completed');
          return run.pk;
        });
        const row = await store.getRun('tx2');
        assert.deepEqual([row.pk, row.head_seq, row.status], [kept, 1, 'completed']);
      } finally {
        await store.close();
      }
    });

    it('answers a component history synchronously, bounded by the seq range', async () => {
      const store = await factory.open();
      try {
        const run = await store.createRun({ id: 'hist', name: null, env: null, backend: null, sourceRun: null });
        const p = prepare('hist', [criticEvaluated(0), componentUpdated(0), criticEvaluated(1), componentUpdated(1), componentUpdated(2)], 0, GENESIS_HASH);
        store.appendBatch(run, -1, p.events, p.blobs);
        assert.deepEqual(store.componentHistorySync(run.pk, 'critic', 0, 3).map((r) => [r.seq, r.version]), [[1, 'v1'], [3, 'v2']]);
        assert.deepEqual(store.componentHistorySync(run.pk, 'actor', 0, 10), []);
      } finally {
        await store.close();
      }
    });

    it('answers events of some types synchronously, in seq order, bounded by the seq range and the limit', async () => {
      const store = await factory.open();
      try {
        const run = await store.createRun({ id: 'types', name: null, env: null, backend: null, sourceRun: null });
        const p = prepare('types', [criticEvaluated(0), componentUpdated(0), criticEvaluated(1), componentUpdated(1), criticEvaluated(2)], 0, GENESIS_HASH);
        store.appendBatch(run, -1, p.events, p.blobs);
        const seqs = (types: string[], from: number, to: number, limit: number) => store.eventsOfTypesSync(run.pk, types, from, to, limit).map((r) => [r.seq, r.type]);
        assert.deepEqual(seqs(['critic.evaluated'], 0, 4, 10), [[0, 'critic.evaluated'], [2, 'critic.evaluated'], [4, 'critic.evaluated']]);
        assert.deepEqual(seqs(['critic.evaluated', 'component.updated'], 1, 3, 10), [[1, 'component.updated'], [2, 'critic.evaluated'], [3, 'component.updated']]);
        assert.deepEqual(seqs(['critic.evaluated', 'component.updated'], 0, 4, 2), [[0, 'critic.evaluated'], [1, 'component.updated']]);
        assert.deepEqual(seqs(['env.stepped'], 0, 4, 10), []);
      } finally {
        await store.close();
      }
    });

    it('readGlobal follows every run in a fixed order and resumes from its cursor', async () => {
      const store = await factory.open();
      try {
        const x = await store.createRun({ id: 'x', name: null, env: null, backend: null, sourceRun: null });
        const y = await store.createRun({ id: 'y', name: null, env: null, backend: null, sourceRun: null });
        const px = prepare('x', [annotation(0), annotation(1)], 0, GENESIS_HASH);
        const py = prepare('y', [annotation(2)], 0, GENESIS_HASH);
        store.appendBatch(x, -1, px.events, px.blobs);
        store.appendBatch(y, -1, py.events, py.blobs);
        const page1 = await readGlobalUntil(store, null, 2, 2);
        assert.deepEqual(page1.rows.map((r) => `${r.run}:${r.seq}`), ['x:0', 'x:1']);
        const page2 = await readGlobalUntil(store, page1.next, 10, 1);
        assert.deepEqual(page2.rows.map((r) => `${r.run}:${r.seq}`), ['y:0']);
        const page3 = await store.readGlobal(page2.next, 10);
        assert.deepEqual(page3.rows, []);
        assert.equal(page3.next, page2.next);
        const more = prepare('x', [annotation(3)], 2, px.events.at(-1)!.hash);
        store.appendBatch(x, 1, more.events, more.blobs);
        assert.deepEqual((await readGlobalUntil(store, page3.next, 10, 1)).rows.map((r) => `${r.run}:${r.seq}`), ['x:2']);
      } finally {
        await store.close();
      }
    });
  });
}
