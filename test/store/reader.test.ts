import fc from 'fast-check';
import assert from 'node:assert/strict';
import { lastValueFrom, toArray } from 'rxjs';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors/flightrec-error.js';
import { isTensor } from '../../src/events/tensor.js';
import type { RecordedEvent } from '../../src/events/registry.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents, readEvents$, readEventsOfType, type ReadOptions } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { prng } from '../helpers/sample-run.js';
import { tempDir } from '../helpers/temp-database.js';

const EVENTS = 20_000;
const TYPES = ['critic.evaluated', 'reward.evaluated', 'env.stepped', 'annotation'] as const;
const COMPONENTS = ['critic', 'critic-b', 'reward'] as const;

const f32 = (values: number[], shape = [values.length]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from(values) });

/** Event i of a run: a mix of types, components, null envelope fields, NaN and -0 in tensors, and repeated blob-sized tensors. */
function makeEvent(i: number, rand: (n: number) => number): Record<string, unknown> {
  const kind = rand(10);
  const episode = Math.floor(i / 1000);
  const step = i % 1000;
  const decision = Math.floor(i / 4);
  if (kind < 5) {
    return {
      type: 'critic.evaluated',
      episode,
      step,
      decision,
      component: COMPONENTS[rand(2)],
      version: `v${episode}`,
      payload: { states: f32([i, i % 13 === 0 ? Number.NaN : -0, 0.5], [1, 3]), values: f32([-i]) },
    };
  }
  if (kind < 7) {
    const big = Array.from({ length: 100 }, (_, k) => (k + (i % 4)) / 3); // 400 bytes: a blob, one of 4
    return {
      type: 'reward.evaluated',
      episode,
      step,
      decision,
      component: 'reward',
      version: null,
      parent: i > 0 ? i - 1 : null,
      payload: { states: f32(big, [4, 25]), actions: { dtype: 'int32', shape: [1], data: Int32Array.of(i) }, next_states: null, rewards: f32([i / 7]) },
    };
  }
  if (kind < 9) {
    return {
      type: 'env.stepped',
      episode,
      step,
      decision,
      payload: { action: i % 3, observation: { dtype: 'float64', shape: [2], data: Float64Array.of(i, Number.NEGATIVE_INFINITY) }, reward: 1, terminated: false, truncated: false, performance: i % 2 === 0 ? null : i },
    };
  }
  return { type: 'annotation', id: `ann-${i}`, payload: { target: i, label: 'l', note: null, author: 'me' } };
}

/** An event's comparable form: tensors as dtype, shape and hex bytes. */
function plain(v: unknown): unknown {
  if (isTensor(v)) return { dtype: v.dtype, shape: v.shape, hex: Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

async function collect(it: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** What a filter must return, by brute force over every event of the run. */
function bruteForce(all: readonly RecordedEvent[], o: ReadOptions): RecordedEvent[] {
  const out = all.filter(
    (e) =>
      (o.types === undefined || o.types.length === 0 || o.types.includes(e.type)) &&
      (o.episode === undefined || e.episode === o.episode) &&
      (o.stepFrom === undefined || (e.step !== null && e.step >= o.stepFrom)) &&
      (o.stepTo === undefined || (e.step !== null && e.step <= o.stepTo)) &&
      (o.decision === undefined || e.decision === o.decision) &&
      (o.component === undefined || e.component === o.component) &&
      (o.seqFrom === undefined || e.seq >= o.seqFrom) &&
      (o.seqTo === undefined || e.seq <= o.seqTo),
  );
  return o.limit === undefined ? out : out.slice(0, o.limit);
}

const tmp = tempDir();
const file = tmp.file('reader.db');
let store: SqliteEventStore;
let inputs: Record<string, unknown>[] = [];
let all: RecordedEvent[] = [];

before(async () => {
  const rand = prng(2024);
  const rec = await Recorder.open(file);
  const big = await rec.startRun({ id: 'big', batchSize: 100 });
  const small = await rec.startRun({ id: 'small', batchSize: 30 });
  inputs = range(EVENTS).map((i) => makeEvent(i, rand));
  for (const [i, ev] of inputs.entries()) {
    big.append(ev);
    // Another run's batches interleave with this one's in the log.
    if (i % 10 === 0) small.append({ ...makeEvent(i, rand), id: undefined, type: 'env.stepped', payload: makeEvent(1, () => 7).payload });
  }
  await rec.close();
  store = await SqliteEventStore.open(file, { mustExist: true });
  all = await collect(readEvents(store, 'big', { pageSize: 10_000 }));
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe('readEvents', () => {
  it('returns every event of the run, in seq order, as written, tensors decoded bit for bit', () => {
    assert.equal(all.length, EVENTS + 2);
    assert.deepEqual(
      all.map((e) => e.seq),
      range(EVENTS + 2),
    );
    assert.ok(all.every((e) => e.run === 'big'));
    assert.equal(all[0]!.type, 'run.started');
    assert.equal(all.at(-1)!.type, 'run.ended');
    for (const [i, input] of inputs.entries()) {
      const e = all[i + 1]!;
      assert.equal(e.type, input.type);
      assert.equal(e.id, (input.id as string | undefined) ?? `big:${i + 1}`);
      for (const k of ['episode', 'step', 'decision', 'component', 'version', 'parent'] as const) assert.equal(e[k], input[k] ?? null, `${k} of event ${i}`);
      assert.deepStrictEqual(plain(e.payload), plain(input.payload), `payload of event ${i}`);
    }
    const critic = all.find((e) => e.type === 'critic.evaluated' && (e.seq - 1) % 13 === 0)!;
    const states = (critic.payload as { states: { data: Float32Array } }).states;
    assert.ok(states.data instanceof Float32Array);
    assert.ok(Number.isNaN(states.data[1]), 'NaN survives');
    const reward = all.find((e) => e.type === 'reward.evaluated')!;
    assert.deepEqual((reward.payload as { states: { shape: number[] } }).states.shape, [4, 25], 'blob tensor decoded');
  });

  it('pageSize 100 (and odd page sizes) yields exactly what pageSize 10000 yields', async () => {
    const small = await collect(readEvents(store, 'big', { pageSize: 100 }));
    assert.deepStrictEqual(small.map(plain), all.map(plain));
    const odd = await collect(readEvents(store, 'big', { pageSize: 997, types: ['reward.evaluated'] }));
    assert.deepStrictEqual(odd.map(plain), bruteForce(all, { types: ['reward.evaluated'] }).map(plain));
  });

  it('filters match a brute-force filter over the whole run (random combinations)', async () => {
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    // Free combinations, mostly empty results...
    const free = fc.record({
      types: opt(fc.subarray([...TYPES, 'run.started', 'run.ended'], { minLength: 1 })),
      episode: opt(fc.integer({ min: -1, max: 21 })),
      stepFrom: opt(fc.integer({ min: 0, max: 1001 })),
      stepTo: opt(fc.integer({ min: -1, max: 1000 })),
      decision: opt(fc.integer({ min: 0, max: EVENTS / 4 })),
      component: opt(fc.constantFrom(...COMPONENTS, 'nobody')),
      seqFrom: opt(fc.integer({ min: 0, max: EVENTS + 3 })),
      seqTo: opt(fc.integer({ min: 0, max: EVENTS + 3 })),
    });
    // ...and combinations built around one stored event, which therefore match at least it (unless limited).
    const anchored = fc
      .record({ at: fc.integer({ min: 0, max: EVENTS + 1 }), use: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), w: fc.array(fc.nat(300), { minLength: 4, maxLength: 4 }), extraType: fc.constantFrom(...TYPES) })
      .map(({ at, use, w, extraType }) => {
        const e = all[at]!;
        const o: ReadOptions = {};
        if (use[0]) o.types = [e.type, extraType];
        if (use[1] && e.episode !== null) o.episode = e.episode;
        if (use[2] && e.step !== null) o.stepFrom = Math.max(0, e.step - w[0]!);
        if (use[3] && e.step !== null) o.stepTo = e.step + w[1]!;
        if (use[4] && e.decision !== null) o.decision = e.decision;
        if (use[5] && e.component !== null) o.component = e.component;
        if (use[6]) {
          o.seqFrom = Math.max(0, e.seq - w[2]! * 10);
          o.seqTo = e.seq + w[3]! * 10;
        }
        return o;
      });
    const filter = fc.record({
      base: fc.oneof({ weight: 1, arbitrary: free }, { weight: 3, arbitrary: anchored }),
      limit: opt(fc.integer({ min: 0, max: 3000 })),
      pageSize: fc.constantFrom(7, 100, 1000, 10_000),
    });
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(filter, async ({ base, limit, pageSize }) => {
        const o = Object.fromEntries(Object.entries({ ...base, limit, pageSize }).filter(([, v]) => v !== undefined)) as ReadOptions;
        const expected = bruteForce(all, o);
        // pageSize 7 over thousands of rows is slow; bound the work, not the coverage of the filters.
        fc.pre(o.pageSize !== 7 || expected.length < 1500);
        const got = await collect(readEvents(store, 'big', o));
        assert.deepEqual(
          got.map((e) => e.seq),
          expected.map((e) => e.seq),
          JSON.stringify(o),
        );
        if (got.length > 0) {
          nonEmpty++;
          assert.deepStrictEqual(plain(got.at(-1)), plain(expected.at(-1)));
        }
      }),
      { numRuns: 200 },
    );
    assert.ok(nonEmpty >= 80, `enough filters matched something (${nonEmpty})`);
  });

  it('each filter alone, at its edges', async () => {
    const check = async (o: ReadOptions, atLeast = 1) => {
      const got = await collect(readEvents(store, 'big', o));
      const expected = bruteForce(all, o);
      assert.deepEqual(
        got.map((e) => e.seq),
        expected.map((e) => e.seq),
        JSON.stringify(o),
      );
      assert.ok(got.length >= atLeast, `${JSON.stringify(o)} matched ${got.length}`);
    };
    await check({ types: ['annotation'] }, 1000);
    await check({ types: ['critic.evaluated', 'env.stepped'] }, 5000);
    await check({ episode: 0 }, 900);
    await check({ episode: 19 }, 900);
    await check({ episode: 20 }, 0);
    await check({ stepFrom: 998 }, 20);
    await check({ stepTo: 0 }, 10);
    await check({ stepFrom: 10, stepTo: 10 }, 10);
    await check({ stepFrom: 11, stepTo: 10 }, 0);
    await check({ decision: 0 }, 1);
    await check({ decision: EVENTS / 4 - 1 }, 1);
    await check({ component: 'critic-b' }, 2000);
    await check({ component: 'nobody' }, 0);
    await check({ limit: 0 }, 0);
    await check({ limit: 1 }, 1);
    await check({ limit: 250, pageSize: 100 }, 250);
    await check({ limit: 5000, types: ['annotation'], pageSize: 333 }, 1000);
    await check({ seqFrom: EVENTS, seqTo: EVENTS + 1 }, 2);
  });

  it('readEvents$ and readEventsOfType agree with readEvents', async () => {
    const o: ReadOptions = { episode: 3, stepTo: 200 };
    const viaObservable = await lastValueFrom(readEvents$(store, 'big', o).pipe(toArray()));
    assert.deepEqual(
      viaObservable.map((e) => e.seq),
      bruteForce(all, o).map((e) => e.seq),
    );
    const ofType = await collect(readEventsOfType(store, 'big', 'env.stepped', { episode: 3 }));
    assert.deepEqual(
      ofType.map((e) => e.seq),
      bruteForce(all, { types: ['env.stepped'], episode: 3 }).map((e) => e.seq),
    );
    assert.ok(ofType.every((e) => e.type === 'env.stepped'));
  });

  it('reads of another run see only that run', async () => {
    const small = await collect(readEvents(store, 'small', { pageSize: 50 }));
    assert.equal(small.length, EVENTS / 10 + 2);
    assert.deepEqual(
      small.map((e) => e.seq),
      range(EVENTS / 10 + 2),
    );
    assert.ok(small.every((e) => e.run === 'small'));
  });

  it('an unknown run is a NotFoundError naming it and hinting at existing runs', async () => {
    await assert.rejects(collect(readEvents(store, 'no-such-run')), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, /no-such-run/);
      assert.match(String(e.details.hint), /small/);
      return true;
    });
    await assert.rejects(lastValueFrom(readEvents$(store, 'nope').pipe(toArray())), NotFoundError);
  });

  it('a missing database file is refused when it must exist', async () => {
    await assert.rejects(SqliteEventStore.open(tmp.file('absent.db'), { mustExist: true }), (e: unknown) => (e as { code?: string }).code === 'DATABASE_NOT_FOUND');
  });
});
