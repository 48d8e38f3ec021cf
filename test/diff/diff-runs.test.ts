import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { diffRuns, type DiffSide } from '../../src/diff/diff-runs.js';
import type { DiffReport } from '../../src/diff/diff-report.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { tempDir } from '../helpers/temp-database.js';
import { recordScriptedRun, script } from './record-scripted-run.js';
import { recordToyRun } from './record-toy-run.js';

const tmp = tempDir();
const db = tmp.file('diff.db');
let store: SqliteEventStore;

async function diff(a: string, b: string, s: SqliteEventStore = store): Promise<DiffReport> {
  const side = (run: string): DiffSide => ({ store: s, run });
  return await diffRuns(side(a), side(b));
}

before(async () => {
  await recordToyRun(db, 'seed1', { seed: 1, episodes: 6 });
  await recordToyRun(db, 'seed1-again', { seed: 1, episodes: 6 });
  await recordToyRun(db, 'seed2', { seed: 2, episodes: 6 });
  await recordToyRun(db, 'critic-plus-1', { seed: 1, episodes: 6, criticBiasFrom: 17, criticBias: 1 });
  await recordToyRun(db, 'seed1-short', { seed: 1, episodes: 3 });
  await recordToyRun(db, 'critic-v2', { seed: 1, episodes: 6, criticVersion: 'toy-critic-2' });
  await recordToyRun(db, 'seed1-blobs', { seed: 1, episodes: 6, blobThreshold: 8 });
  store = await SqliteEventStore.open(db, { mustExist: true });
});

after(async () => {
  await store.close();
  tmp.cleanup();
});

describe('diffRuns on recorded agent runs', () => {
  it('finds two runs of the same seed identical: everything aligned, no divergence', async () => {
    const r = await diff('seed1', 'seed1-again');
    assert.equal(r.identical, true);
    assert.equal(r.first_divergence, null);
    assert.ok(r.aligned > 20);
    assert.equal(r.aligned, r.decisions.a);
    assert.equal(r.decisions.a, r.decisions.b);
    assert.deepEqual(r.unaligned, { only_in_a: 0, only_in_b: 0, observation_differs: 0 });
    assert.equal(r.differing_decisions, 0);
    assert.equal(r.flips.count, 0);
    assert.deepEqual(r.versions, []);
    assert.equal(r.episodes.compared, 6);
    assert.equal(r.episodes.differing, 0);
    assert.equal(r.deltas.critic.root_value.pairs, r.aligned);
    assert.equal(r.deltas.critic.root_value.max_abs, 0);
    assert.ok(r.deltas.world_model.next_states.values > 0);
    assert.equal(r.deltas.actor.kl.mean_abs, 0);
  });

  it('compares values, not storage: tensors in the blob table equal the same tensors stored inline', async () => {
    const r = await diff('seed1', 'seed1-blobs');
    assert.equal(r.identical, true, JSON.stringify(r.first_divergence));
    assert.equal(r.differing_decisions, 0);
  });

  it('finds a run identical to itself', async () => {
    const r = await diff('seed1', 'seed1');
    assert.equal(r.identical, true);
  });

  it('reports a different seed as an input divergence at the first step whose observation differs', async () => {
    const r = await diff('seed1', 'seed2');
    assert.equal(r.identical, false);
    const f = r.first_divergence!;
    assert.equal(f.kind, 'input');
    assert.equal(f.event_type, 'decision.started');
    assert.deepEqual([f.episode, f.step], [0, 0]);
    assert.equal(f.field, 'observation');
    // Seed 1 starts at x = 0, seed 2 at x = 2 (observation x / 4).
    assert.deepEqual(f.value_a, { dtype: 'float32', shape: [3], index: [0], value: 0 });
    assert.deepEqual(f.value_b, { dtype: 'float32', shape: [3], index: [0], value: 0.5 });
    assert.equal(f.text_a, 'float32[3] [0]=0');
    assert.equal(f.text_b, 'float32[3] [0]=0.5');
    assert.ok(r.unaligned.observation_differs > 0);
    assert.equal(r.aligned + r.unaligned.observation_differs + r.unaligned.only_in_a, r.decisions.a);
    assert.equal(r.aligned + r.unaligned.observation_differs + r.unaligned.only_in_b, r.decisions.b);
  });

  it('names a planted critic change as a deliberation divergence at the decision where it starts', async () => {
    const r = await diff('seed1', 'critic-plus-1');
    const f = r.first_divergence!;
    assert.equal(f.kind, 'deliberation');
    assert.equal(f.event_type, 'critic.evaluated');
    assert.equal(f.field, 'values');
    assert.equal(f.decision_a, 17);
    assert.equal(f.decision_b, 17);
    // Decision 17's place, read from the run itself.
    const started = await store.db
      .selectFrom('events')
      .innerJoin('runs', 'runs.pk', 'events.run_pk')
      .select(['events.episode', 'events.step'])
      .where('runs.id', '=', 'seed1')
      .where('events.type', '=', 'decision.started')
      .where('events.decision', '=', 17)
      .executeTakeFirstOrThrow();
    assert.deepEqual([f.episode, f.step], [started.episode, started.step]);
    const a = f.value_a as { value: number; index: number[] };
    const b = f.value_b as { value: number; index: number[] };
    assert.ok(Math.abs(b.value - a.value - 1) < 1e-6, `values differ by 1: ${a.value} vs ${b.value}`);
    // Before decision 17 nothing differs; from it on, every critic call is 1 higher.
    assert.equal(r.unaligned.observation_differs, 0);
    assert.equal(r.differing_decisions, r.aligned - 17);
    assert.ok(Math.abs(r.deltas.critic.root_value.max_abs! - 1) < 1e-6);
    assert.ok(Math.abs(r.deltas.critic.values.max_abs! - 1) < 1e-6);
    assert.equal(r.deltas.world_model.next_states.max_abs, 0);
    assert.equal(r.deltas.reward.rewards.max_abs, 0);
    // A uniform +1 on every leaf shifts every score by the same amount: no action flips.
    assert.equal(r.flips.count, 0);
    assert.equal(r.deltas.planner.top_candidate.differing, 0);
    assert.ok(r.differing_by_type['critic.evaluated']! > 0);
    assert.ok(r.differing_by_type['actor.chose']! > 0);
    assert.deepEqual(r.versions, []);
  });

  it('counts decisions of a longer run as only in A', async () => {
    const r = await diff('seed1', 'seed1-short');
    const short = (await diff('seed1-short', 'seed1-short')).decisions.a;
    assert.equal(r.identical, false);
    assert.equal(r.first_divergence, null);
    assert.equal(r.aligned, short);
    assert.equal(r.unaligned.only_in_a, r.decisions.a - short);
    assert.equal(r.unaligned.only_in_b, 0);
    assert.deepEqual([r.episodes.compared, r.episodes.only_in_a, r.episodes.only_in_b], [3, 3, 0]);
    assert.match(r.first_unaligned.only_in_a!, /^\(3, 0\)$/);
    const reversed = await diff('seed1-short', 'seed1');
    assert.equal(reversed.unaligned.only_in_b, r.unaligned.only_in_a);
  });

  it('reports component versions that differ, per component with the first decision', async () => {
    const r = await diff('seed1', 'critic-v2');
    assert.equal(r.identical, false);
    assert.equal(r.first_divergence, null, 'outputs are the same; only the version label differs');
    assert.equal(r.versions.length, 1);
    assert.equal(r.versions[0]!.component, 'critic');
    assert.equal(r.versions[0]!.differing, r.aligned);
    assert.deepEqual(r.versions[0]!.first, { episode: 0, step: 0, decision_a: 0, decision_b: 0, a: 'toy-critic-1', b: 'toy-critic-2' });
  });

  it('fails with NOT_FOUND naming an unknown run', async () => {
    await assert.rejects(diff('seed1', 'nope'), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /nope/.test(e.message));
  });
});

describe('diffRuns on scripted runs', () => {
  const sdb = tmp.file('scripted.db');
  let s: SqliteEventStore;
  before(async () => {
    await recordScriptedRun(sdb, 'base', script([5, 4, 6]));
    // Episode 0 ends two steps earlier; episode 1 is one step longer; episode 2 the same.
    await recordScriptedRun(sdb, 'reshaped', script([3, 5, 6]));
    // A derived run holding only episode 1, with its own decision ids and one value changed.
    await recordScriptedRun(
      sdb,
      'derived',
      script([0, 4]).map((d, i) => ({ ...d, decision: 100 + i, value: d.step === 2 ? 0.75 : 0.5 })),
      { sourceRun: 'base', episodeEnds: false },
    );
    // Steps going backwards inside an episode.
    await recordScriptedRun(sdb, 'unordered', [
      { episode: 0, step: 0 },
      { episode: 0, step: 2 },
      { episode: 0, step: 1 },
    ]);
    await recordScriptedRun(sdb, 'twice', [
      { episode: 0, step: 0 },
      { episode: 0, step: 0 },
    ]);
    s = await SqliteEventStore.open(sdb, { mustExist: true });
  });
  after(async () => await s.close());

  it('aligns episodes that end at different steps and counts what does not align', async () => {
    const r = await diff('base', 'reshaped', s);
    assert.equal(r.aligned, 3 + 4 + 6);
    assert.deepEqual(r.unaligned, { only_in_a: 2, only_in_b: 1, observation_differs: 0 });
    assert.deepEqual(r.first_unaligned, { only_in_a: '(0, 3)', only_in_b: '(1, 4)', observation_differs: null });
    assert.equal(r.differing_decisions, 0);
    assert.equal(r.first_divergence, null);
    assert.equal(r.identical, false);
    assert.deepEqual([r.episodes.compared, r.episodes.differing], [3, 2]);
    assert.deepEqual(
      r.episodes.first_differing.map((e) => [e.episode, e.return_a, e.return_b, e.length_a, e.length_b]),
      [
        [0, 5, 3, 5, 3],
        [1, 4, 5, 4, 5],
      ],
    );
  });

  it('diffs a derived run that holds only some decisions, whatever its decision ids', async () => {
    const r = await diff('base', 'derived', s);
    assert.equal(r.source_run_b, 'base');
    assert.equal(r.aligned, 4);
    assert.deepEqual(r.unaligned, { only_in_a: 11, only_in_b: 0, observation_differs: 0 });
    const f = r.first_divergence!;
    assert.deepEqual([f.episode, f.step, f.decision_a, f.decision_b, f.kind, f.event_type, f.field], [1, 2, 7, 102, 'deliberation', 'critic.evaluated', 'values']);
    assert.equal(r.differing_decisions, 1);
    assert.equal(r.deltas.critic.root_value.max_abs, 0.25);
    assert.deepEqual([r.episodes.compared, r.episodes.only_in_a], [0, 3]);
  });

  it('refuses a run that is not in (episode, step) order instead of misaligning it', async () => {
    await assert.rejects(diff('base', 'unordered', s), (e: Error & { code?: string }) => e.code === 'RUN_NOT_ORDERED' && /unordered/.test(e.message) && /\(0, 1\)/.test(e.message));
    await assert.rejects(diff('twice', 'base', s), (e: Error & { code?: string }) => e.code === 'RUN_NOT_ORDERED' && /\(0, 0\)/.test(e.message));
  });

  it('diffs runs in two databases', async () => {
    const other = tmp.file('other.db');
    await recordScriptedRun(other, 'base-copy', script([5, 4, 6]));
    const o = await SqliteEventStore.open(other, { mustExist: true });
    try {
      const r = await diffRuns({ store: s, run: 'base' }, { store: o, run: 'base-copy' });
      assert.equal(r.identical, true);
      assert.equal(r.aligned, 15);
    } finally {
      await o.close();
    }
  });
});
