import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DiffAccumulator } from '../../src/diff/diff-accumulator.js';
import { mergeJoin } from '../../src/diff/diff-runs.js';
import type { DecisionUnit, DiffUnit } from '../../src/diff/diff-unit.js';
import type { RawEvent } from '../../src/store/raw-event.js';
import { emptyUnitReadStats, MAX_OPEN_DECISIONS, readDiffUnits } from '../../src/diff/read-diff-units.js';
import { readRawEvents } from '../../src/store/read-raw-events.js';
import { diffEventTypes } from '../../src/diff/diff-runs.js';
import { encodeValue } from '../../src/events/payload-codec.js';
import { f32 } from '../../src/events/tensor.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { tempDir } from '../helpers/temp-database.js';
import { recordScriptedRun, script } from './record-scripted-run.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tmp = tempDir();
after(() => tmp.cleanup());

function raw(seq: number, type: string, at: { episode: number; step: number; decision: number }, payload: unknown): RawEvent {
  const page = Buffer.from(encodeValue(payload));
  return { seq, type, v: 1, ...at, page, start: 0, end: page.length };
}

/** Decision `i` (episode i / 100, step i % 100) with a critic call: built on demand, never stored. */
function decision(i: number, value = 0.5): DecisionUnit {
  const at = { episode: Math.floor(i / 100), step: i % 100, decision: i };
  const obs = f32([at.episode, at.step, 1, 2, 3, 4, 5, 6]);
  const events = [
    raw(i * 3, 'decision.started', at, { observation: obs, rng_state: 'r', versions: { critic: 'v' }, env_state: null }),
    raw(i * 3 + 1, 'critic.evaluated', at, { states: f32(obs.data, [1, 8]), values: f32([value, 1, 2, 3, 4, 5, 6, 7]) }),
    raw(i * 3 + 2, 'env.stepped', at, { action: 0, observation: obs, reward: 0, terminated: false, truncated: false, performance: null }),
  ];
  return { kind: 'decision', episode: at.episode, step: at.step, decision: i, seq: i * 3, events };
}

/** A lazily generated run of n decisions that counts how many units were pulled from it. */
function lazyRun(n: number, value: (i: number) => number = () => 0.5) {
  const counter = { pulled: 0 };
  async function* units(): AsyncGenerator<DiffUnit> {
    for (let i = 0; i < n; i++) {
      counter.pulled++;
      yield decision(i, value(i));
    }
  }
  return { counter, units: units() };
}

describe('streaming in bounded memory', () => {
  it('merge-joins in lockstep: never more than one unit ahead on either side', async () => {
    const a = lazyRun(20_000);
    const b = lazyRun(20_000, (i) => (i >= 10_000 ? 0.75 : 0.5));
    let maxGap = 0;
    let pairs = 0;
    class Probe extends DiffAccumulator {
      override pair(x: DecisionUnit, y: DecisionUnit): void {
        pairs++;
        // When the k-th pair is compared, each side has produced exactly k units (plus the one peeked ahead at most).
        maxGap = Math.max(maxGap, a.counter.pulled - pairs, b.counter.pulled - pairs);
        super.pair(x, y);
      }
    }
    const acc = new Probe({}, {});
    await mergeJoin(a.units, b.units, acc);
    assert.equal(pairs, 20_000);
    assert.ok(maxGap <= 1, `gap ${maxGap}`);
    const r = acc.report();
    assert.equal(r.aligned, 20_000);
    assert.equal(r.differing_decisions, 10_000);
    assert.equal(r.first_divergence?.decision_a, 10_000);
    assert.ok(r.series.decisions.x.length <= 1024, 'chart series are bucketed, not one point per decision');
  });

  it('holds memory flat whatever the number of decisions', async () => {
    const heapAfter = async (n: number): Promise<number> => {
      const a = lazyRun(n);
      const b = lazyRun(n, (i) => (i % 7 === 0 ? 0.25 : 0.5));
      let peak = 0;
      let pairs = 0;
      class Probe extends DiffAccumulator {
        override pair(x: DecisionUnit, y: DecisionUnit): void {
          super.pair(x, y);
          if (++pairs % 25_000 === 0) {
            gc();
            peak = Math.max(peak, process.memoryUsage().heapUsed);
          }
        }
      }
      gc();
      const before = process.memoryUsage().heapUsed;
      await mergeJoin(a.units, b.units, new Probe({}, {}));
      return peak - before;
    };
    const small = await heapAfter(25_000);
    const large = await heapAfter(200_000);
    // 200,000 decisions × 3 events held would take well over 100 MB; streamed, the heap stays where it was.
    assert.ok(large < small + 8 * 1024 * 1024, `heap grew ${(large / 1e6).toFixed(1)} MB for 200k decisions vs ${(small / 1e6).toFixed(1)} MB for 25k`);
  });

  it('groups raw events into decisions lazily, holding only open decisions', async () => {
    let pagesPulled = 0;
    async function* pages(): AsyncGenerator<RawEvent[]> {
      for (let p = 0; p < 1000; p++) {
        pagesPulled++;
        yield decision(p).events;
      }
    }
    const stats = emptyUnitReadStats();
    const units = readDiffUnits(pages(), 'lazy', stats);
    const first = await units.next();
    assert.equal((first.value as DecisionUnit).decision, 0);
    assert.equal(pagesPulled, 1, 'the first decision is yielded before the second page is read');
    let n = 1;
    for await (const _ of units) n++;
    assert.equal(n, 1000);
    assert.equal(stats.maxOpen, 1);
    assert.equal(stats.events, 3000);
  });

  it('closes decisions that never reach env.stepped once too many are open', async () => {
    async function* pages(): AsyncGenerator<RawEvent[]> {
      for (let i = 0; i < 500; i++) yield decision(i).events.slice(0, 2); // no env.stepped
    }
    const stats = emptyUnitReadStats();
    const seen: number[] = [];
    for await (const u of readDiffUnits(pages(), 'open-loop', stats)) seen.push((u as DecisionUnit).decision);
    assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i), 'in start order');
    assert.ok(stats.maxOpen <= MAX_OPEN_DECISIONS + 1);
    assert.equal(stats.unfinishedDecisions, 500);
  });

  it('reads a stored run page by page, each page bounded in rows and bytes', async () => {
    const db = tmp.file('pages.db');
    await recordScriptedRun(db, 'long', script(Array.from({ length: 30 }, () => 100)));
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      const pk = (await store.getRun('long')).pk;
      const sizes: number[] = [];
      let last = -1;
      for await (const page of readRawEvents(store, pk, diffEventTypes(), { maxRows: 500, targetBytes: 16 * 1024 })) {
        sizes.push(page.length);
        for (const e of page) {
          assert.ok(e.seq > last);
          last = e.seq;
        }
        assert.ok(page[0]!.page.length <= 64 * 1024, `page of ${page[0]!.page.length} bytes`);
      }
      assert.equal(sizes.reduce((x, y) => x + y, 0), 3000 * 4 + 30);
      assert.ok(sizes.length > 10);
      assert.ok(Math.max(...sizes) <= 500);
    } finally {
      await store.close();
    }
  });
});
