import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentConfig, defaultAgentConfig } from '../../src/agent/reference/agent-config.js';
import { MctsPlanner } from '../../src/agent/reference/mcts-planner.js';
import { InvalidInputError } from '../../src/errors/flightrec-error.js';
import { recordReferenceTraining } from '../../src/harness/reference-training.js';
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

const SIMULATIONS = 6;

async function all<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('MCTS on the gridworld', () => {
  const tmp = tempDir();
  const db = tmp.file('mcts.db');
  let run = '';
  before(async () => {
    const base = defaultAgentConfig('gridworld', 'mcts');
    const config = AgentConfig.parse({ ...base, checkpointEvery: 20, planner: { ...base.planner, simulations: SIMULATIONS } });
    run = (await recordReferenceTraining({ db, env: 'gridworld', episodes: 6, seed: 4, config })).run;
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

  it('records the whole search as one planner.searched event per decision, a consistent tree', async () => {
    await withStore(async (s) => {
      const searched = await all(readEventsOfType(s, run, 'planner.searched'));
      const chose = await all(readEventsOfType(s, run, 'actor.chose'));
      assert.equal(searched.length, chose.length, 'one tree per decision');
      assert.equal(new Set(searched.map((e) => e.decision)).size, searched.length);
      let explored = 0;
      for (const [i, e] of searched.entries()) {
        const p = e.payload;
        const N = p.parents.data.length;
        for (const t of [p.actions, p.visits, p.values, p.raw_values, p.priors, p.rewards, p.discounts]) assert.equal(t.data.length, N);
        assert.equal(p.parents.data[0], -1);
        assert.equal(p.visits.data[0], SIMULATIONS + 1, 'the root: its own evaluation plus every simulation');
        // Every simulation passes through exactly one child of the root; children of a node are contiguous.
        const rootChildren = [...p.parents.data.keys()].filter((n) => p.parents.data[n] === 0);
        assert.deepEqual(rootChildren.map((n) => p.actions.data[n]), [0, 1, 2, 3]);
        assert.equal(rootChildren.reduce((sum, n) => sum + p.visits.data[n]!, 0), SIMULATIONS);
        for (let n = 1; n < N; n++) assert.ok(p.parents.data[n]! < n, 'parents come before their children');
        const priorSum = rootChildren.reduce((sum, n) => sum + p.priors.data[n]!, 0);
        assert.ok(Math.abs(priorSum - 1) < 1e-5, `root prior sums to 1 (${priorSum})`);
        assert.notEqual(p.root_noise, null);
        const visits = rootChildren.map((n) => p.visits.data[n]!);
        const c = chose[i]!.payload;
        assert.equal(c.action, p.chosen_action);
        assert.deepEqual(Array.from(c.scores.data), visits, 'actor.chose scores are the root visit counts');
        assert.equal(p.chosen_path[0], 0);
        assert.equal(p.actions.data[p.chosen_path[1]!], p.chosen_action);
        if (p.explored) explored++;
        else assert.equal(visits[p.chosen_action], Math.max(...visits), 'the executed action is the most visited unless ε explored');
      }
      assert.ok(explored > 0 && explored < searched.length, `ε explores some decisions early on (${explored})`);
    });
  });

  it('replay --verify reproduces 100% of the decisions, trees included', async () => {
    const r = await withStore((s) => verifyReplay(s, run));
    assert.ok(r.decisions > 50);
    assert.equal(r.reproduced, r.decisions, JSON.stringify(r.problems.slice(0, 2)));
  });

  it('--set planner.simulations re-decides with the changed search; unchanged settings flip nothing', async () => {
    const same = await withStore((s) => reevaluate(s, run, { swaps: [], plannerSettings: { simulations: SIMULATIONS }, episodes: { from: 5, to: 5 } }));
    assert.equal(same.flipped, 0);
    const r = await withStore((s) => reevaluate(s, run, { swaps: [], plannerSettings: { simulations: 40, cPuct: 3 }, episodes: { from: 5, to: 5 } }));
    assert.ok(r.decisions > 0);
    const trees = await withStore((s) => all(readEventsOfType(s, r.derived_run, 'planner.searched')));
    assert.equal(trees.length, r.decisions);
    assert.ok(trees.every((e) => e.payload.simulations === 40 && e.payload.visits.data[0] === 41));
    await assert.rejects(withStore((s) => reevaluate(s, run, { swaps: [], plannerSettings: { beam: 4 } })), /planner\.beam.*simulations/);
  });

  it('swap, blame and closed loop work through the agent contract', async () => {
    const re = await withStore((s) => reevaluate(s, run, { swaps: [parseSwap('critic=@latest')] }));
    assert.equal(re.decisions, (await withStore((s) => verifyReplay(s, run))).decisions);
    const flipped = re.most_changed.find((d) => d.action_before !== d.action_after);
    assert.ok(flipped !== undefined, 'the final critic changes some searches');
    const b = await withStore((s) => blame(s, run, flipped.decision, [parseSwap('critic=@latest')]));
    assert.equal(b.baseline_action, b.recorded_action);
    assert.equal(b.differs, true);
    assert.deepEqual(b.culprits, [['critic']]);
    const loop = await withStore((s) => closedLoop(s, run, { from: 40, swaps: [], plannerSettings: { simulations: SIMULATIONS } }));
    assert.ok(loop.steps > 0);
    assert.equal(loop.first_action, loop.source_first_action, 'same versions and random state: the first decision is the recorded one');
  });

  it('show renders the tree: visits, Q, prior, the chosen path marked', async () => {
    const shown = await withStore((s) => showDecision(s, run, 30));
    const t = shown.mcts!;
    assert.ok(t !== null && shown.search === null && shown.iterations === null);
    assert.ok(shown.calls.every((c) => c.type !== 'planner.searched'), 'the tree is not listed as a component call');
    assert.equal(t.nodes[0]!.visits, SIMULATIONS + 1);
    const chosen = t.nodes.filter((n) => n.chosen);
    assert.deepEqual(chosen.map((n) => n.node), t.chosen_path);
    assert.equal(chosen[1]!.action, t.chosen_action);
    const text = formatDecisionShow(shown).join('\n');
    assert.match(text, new RegExp(`mcts over ${SIMULATIONS} simulations, \\d+ nodes, root visits ${SIMULATIONS + 1}`));
    assert.match(text, /action +N +Q +P +reward +V raw/);
    const first = chosen[1]!;
    assert.match(text, new RegExp(`\\* ${first.action_name} +${first.visits} `), 'the executed child is starred with its visits');
    assert.match(text, /unvisited: \w+ Q -?[\d.]+ P [\d.]+/);
    assert.match(text, /candidate +visits/, 'the choice is scored by visits');
  });

  it('unknown or out-of-range settings are refused, naming the setting; defaults are MuZero\'s', () => {
    const p = new MctsPlanner('planner', 4, { kind: 'mcts', gamma: 0.9 });
    assert.deepEqual([p.config.simulations, p.config.cPuct, p.config.rootNoise, p.config.dirichletAlpha], [50, 1.25, 0.25, 0.25]);
    assert.throws(() => p.withSettings({ horizon: 4 }), (e: unknown) => e instanceof InvalidInputError && /planner\.horizon/.test(e.message) && /simulations/.test(e.message));
    assert.throws(() => p.withSettings({ simulations: 0 }), (e: unknown) => e instanceof InvalidInputError && /planner\.simulations=0/.test(e.message));
    assert.equal(p.withSettings({ simulations: 8 }).config.simulations, 8);
    assert.notEqual(p.withSettings({ simulations: 8 }).version(), p.version());
    assert.throws(() => defaultAgentConfig('pendulum', 'mcts'), /continuous/);
  });
});
