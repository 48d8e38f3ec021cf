import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentConfig, defaultAgentConfig } from '../../src/agent/reference/agent-config.js';
import { MppiPlanner } from '../../src/agent/reference/mppi-planner.js';
import { REFERENCE_AGENT, referenceAgentFactory } from '../../src/agent/reference/reference-factory.js';
import { InvalidInputError } from '../../src/errors/flightrec-error.js';
import { checkRoleOutput } from '../../src/agent/role-contract.js';
import { actionsDiffer } from '../../src/events/action-change.js';
import { f32 } from '../../src/events/tensor.js';
import { Pendulum } from '../../src/envs/pendulum.js';
import { recordAgentRun } from '../../src/harness/record-agent-run.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { showDecision } from '../../src/show/show-decision.js';
import { formatDecisionShow } from '../../src/show/show-format.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { blame } from '../../replay/blame.js';
import { closedLoop } from '../../replay/closed-loop.js';
import { parseSwap } from '../../replay/component-spec.js';
import { reevaluate } from '../../replay/reevaluate.js';
import { verifyReplay } from '../../replay/verify-replay.js';
import { tempDir } from '../helpers/temp-database.js';

const STEPS = 24;

async function all<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of events) out.push(e);
  return out;
}
const ITERATIONS = 2;

/** A pendulum MPPI agent small enough for a test: 16 samples, 2 iterations, learning after 16 steps. */
function smallConfig(): AgentConfig {
  return AgentConfig.parse({
    ...defaultAgentConfig('pendulum'),
    hidden: [16],
    batchSize: 16,
    warmupSteps: 16,
    trainEvery: 2,
    checkpointEvery: 5,
    planner: { kind: 'mppi', samples: 16, actorSamples: 4, elites: 4, iterations: ITERATIONS, horizon: 3, gamma: 0.95, recordSamplesEvery: 3 },
  });
}

describe('MPPI on the pendulum', () => {
  const tmp = tempDir();
  const db = tmp.file('mppi.db');
  let run = '';
  before(async () => {
    const config = smallConfig();
    const r = await recordAgentRun({
      db,
      factory: referenceAgentFactory,
      agent: REFERENCE_AGENT,
      env: new Pendulum({ maxEpisodeSteps: STEPS }),
      episodes: 2,
      seed: 3,
      config: { agent: config },
      discount: config.gamma,
    });
    run = r.run;
  });
  after(() => tmp.cleanup());

  const withStore = async <T>(fn: (s: SqliteEventStore) => Promise<T>): Promise<T> => {
    const s = await SqliteEventStore.open(db, { mustExist: true });
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  };

  it('records every iteration, float32 actions, and the warm start of every decision but an episode\'s first', async () => {
    await withStore(async (s) => {
      const iterated = await all(readEventsOfType(s, run, 'planner.iterated'));
      assert.equal(iterated.length, 2 * STEPS * ITERATIONS);
      const last = iterated.filter((e) => e.payload.chosen_action !== null);
      assert.equal(last.length, 2 * STEPS, 'the final choice sits on each decision\'s last iteration');
      for (const e of iterated) {
        assert.equal(e.payload.samples, 16);
        assert.equal(e.payload.from_actor, 4);
        assert.deepEqual(e.payload.mean.shape, [3, 1]);
        assert.equal(e.payload.elites.length, 4);
        // Recording policy: full samples at steps divisible by 3 only, summaries always.
        assert.equal(e.payload.sample_actions !== null, e.step! % 3 === 0, `samples at step ${e.step}`);
        if (e.payload.sample_actions !== null) assert.deepEqual(e.payload.sample_actions.shape, [16, 3, 1]);
      }
      const stepped = await all(readEventsOfType(s, run, 'env.stepped'));
      for (const e of stepped) {
        const a = e.payload.action;
        assert.ok(typeof a !== 'number' && a.dtype === 'float32' && a.shape[0] === 1, 'actions are float32 [1]');
        assert.ok(Math.abs(a.data[0]!) <= 2);
      }
      const started = await all(readEventsOfType(s, run, 'decision.started'));
      for (const e of started) assert.equal(e.payload.planner_carry !== undefined, e.step !== 0, `carry at step ${e.step}`);
    });
  });

  it('replay --verify reproduces 100% of the decisions, warm starts included', async () => {
    const r = await withStore((s) => verifyReplay(s, run));
    assert.equal(r.decisions, 2 * STEPS);
    assert.equal(r.reproduced, r.decisions, JSON.stringify(r.problems.slice(0, 2)));
  });

  it('re-deciding with unchanged settings flips nothing (the recorded warm starts are used)', async () => {
    const r = await withStore((s) => reevaluate(s, run, { swaps: [], plannerSettings: { samples: 16 }, episodes: { from: 0, to: 0 } }));
    assert.equal(r.flipped, 0, 'unchanged settings reproduce every action');
  });

  it('--set planner.samples / iterations re-decide with the changed planner', async () => {
    const r = await withStore((s) => reevaluate(s, run, { swaps: [], plannerSettings: { samples: 8, iterations: 1 }, episodes: { from: 1, to: 1 } }));
    assert.equal(r.decisions, STEPS);
    assert.ok(r.flipped > 0, 'fewer samples choose other torques');
    const iterated = await withStore((s) => all(readEventsOfType(s, r.derived_run, 'planner.iterated')));
    assert.equal(iterated.length, STEPS);
    assert.ok(iterated.every((e) => e.payload.samples === 8));
  });

  it('swap, blame and closed loop work through the agent contract', async () => {
    const re = await withStore((s) => reevaluate(s, run, { swaps: [parseSwap('critic=@latest')], episodes: { from: 1, to: 1 } }));
    assert.equal(re.decisions, STEPS);
    const flipped = re.most_changed.find((d) => actionsDiffer(d.action_before, d.action_after));
    assert.ok(flipped !== undefined, 'the final critic moves some torques past the tolerance');
    const b = await withStore((s) => blame(s, run, flipped.decision, [parseSwap('critic=@latest')]));
    assert.deepEqual(b.baseline_action, b.recorded_action);
    assert.equal(b.differs, true);
    assert.deepEqual(b.culprits, [['critic']]);
    const loop = await withStore((s) => closedLoop(s, run, { from: STEPS + 5, swaps: [], maxSteps: 6 }));
    assert.equal(loop.steps, 6);
    assert.deepEqual(loop.first_action, loop.source_first_action, 'same versions, random state and warm start: the first decision is the recorded one');
  });

  it('show renders the iterations: the first step\'s mean moving, the elites\' scores, the choice', async () => {
    const shown = await withStore((s) => showDecision(s, run, 4));
    assert.equal(shown.iterations?.length, ITERATIONS);
    assert.ok(shown.calls.every((c) => c.type !== 'planner.iterated'), 'iterations are not listed as component calls');
    const last = shown.iterations!.at(-1)!;
    assert.ok(last.chosen !== null && last.chosen.action.length === 1);
    assert.ok(last.best_elite_score >= last.mean_elite_score);
    const text = formatDecisionShow(shown).join('\n');
    assert.match(text, /mppi over 16 samples \(4 from the actor\), 4 elites, 2 iterations/);
    assert.match(text, /chose elite \d+ \(score [^)]+\) → action -?\d/);
    assert.match(text, /action \[-?[\d.]+\] → reward/);
  });

  it('unknown or out-of-range settings are refused, naming the setting', () => {
    const p = new MppiPlanner('planner', { low: [-2], high: [2] }, { kind: 'mppi', gamma: 0.9 });
    assert.deepEqual([p.config.samples, p.config.actorSamples, p.config.elites, p.config.iterations, p.config.horizon, p.config.temperature, p.config.minStd, p.config.maxStd], [512, 24, 64, 6, 3, 0.5, 0.05, 2]);
    assert.throws(() => p.withSettings({ beam: 4 }), (e: unknown) => e instanceof InvalidInputError && /planner\.beam/.test(e.message) && /samples/.test(e.message));
    assert.throws(() => p.withSettings({ elites: 600 }), (e: unknown) => e instanceof InvalidInputError && /elites 600/.test(e.message));
    assert.equal(p.withSettings({ cem: true }).config.method, 'cem');
  });
});

describe('the role contract on a continuous environment (a swapped-in module on an MPPI run)', () => {
  const box = { low: [-2], high: [2] };
  const states = f32([0, 0, 0, 1, 1, 1], [2, 3]);
  it('an actor proposes { mean, std } [N, A] with std > 0; probabilities are refused', () => {
    const ctx = { actionCount: null, actionBox: box };
    assert.equal(checkRoleOutput('actor', [states], { mean: f32([0, 1], [2, 1]), std: f32([0.5, 1], [2, 1]) }, ctx), null);
    assert.equal(checkRoleOutput('actor', [states], { mean: f32([0, 1], [2, 1]), std: f32([0.5, 0], [2, 1]) }, ctx)?.field, 'std[1]');
    assert.equal(checkRoleOutput('actor', [states], { mean: f32([0], [1, 1]), std: f32([1], [1, 1]) }, ctx)?.field, 'mean.shape');
    assert.equal(checkRoleOutput('actor', [states], f32([0.5, 0.5], [2, 1]), ctx)?.field, 'return value');
  });
  it('a planner returns a Float32Array inside the box', () => {
    const ctx = { actionCount: null, actionBox: box };
    const plan = { action: Float32Array.of(1.5), candidates: f32([1.5, 0], [2, 1]), scores: f32([1, 0]), chosenIndex: 0, value: 1, search: [], prior: null };
    assert.equal(checkRoleOutput('planner', [], plan, ctx), null);
    assert.equal(checkRoleOutput('planner', [], { ...plan, action: Float32Array.of(2.5) }, ctx)?.field, 'action[0]');
    assert.equal(checkRoleOutput('planner', [], { ...plan, action: 1 }, ctx)?.field, 'action');
  });
});
