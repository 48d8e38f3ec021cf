import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { showDecision, type DecisionShow } from '../../src/show/show-decision.js';
import { reevaluate } from '../../replay/reevaluate.js';
import { defaultAgentConfig } from '../../src/agent/reference/agent-config.js';
import type { BeamPlannerConfig } from '../../src/agent/reference/beam-planner.js';
import { recordReferenceTraining } from '../../src/harness/reference-training.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const ACTIONS = 4; // gridworld: up, right, down, left

describe('show: one decision of a recorded run', () => {
  const tmp = tempDir();
  const db = tmp.file('show.db');
  let store: SqliteEventStore;
  let run: string;
  let decisions: number;
  let derived: string;

  before(async () => {
    const r = await recordReferenceTraining({ db, env: 'gridworld', episodes: 3, seed: 1 });
    run = r.run;
    decisions = r.decisions;
    store = await SqliteEventStore.open(db);
    derived = (await reevaluate(store, run, { swaps: [], plannerSettings: { horizon: 1 }, episodes: { from: 0, to: 0 } })).derived_run;
  });
  after(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('reads the where, the observation as a grid cell, rng state and versions', async () => {
    const s = await showDecision(store, run, 5);
    assert.equal(s.decision, 5);
    assert.equal(s.episode, 0);
    assert.equal(s.step, 5);
    assert.equal(s.env, 'gridworld');
    assert.deepEqual(s.action_names, ['up', 'right', 'down', 'left']);
    assert.match(s.observation.description ?? '', /^cell \(\d,\d\) '[AS.G]'/);
    assert.match(s.rng_state, /^[0-9a-f]{32}$/);
    assert.deepEqual(Object.keys(s.versions).sort(), ['actor', 'critic', 'planner', 'reward', 'world_model']);
  });

  it('builds the search tree with the recorded number of nodes per depth', async () => {
    const { horizon, beam } = defaultAgentConfig('gridworld').planner as BeamPlannerConfig;
    for (const d of [0, 5, 77]) {
      const s = await showDecision(store, run, d);
      const tree = s.search!;
      const recorded: number[] = [];
      for await (const e of readEventsOfType(store, run, 'planner.expanded', { decision: d })) recorded.push(e.payload.actions.shape[0]!);
      const expected: number[] = [];
      for (let depth = 0, n = ACTIONS; depth < horizon; depth++, n = Math.min(beam, n) * ACTIONS) expected.push(n);
      assert.deepEqual(recorded, expected);
      assert.deepEqual(tree.levels.map((l) => l.nodes), expected);
      assert.deepEqual(expected.map((_, depth) => tree.nodes.filter((n) => n.depth === depth).length), expected);
      assert.deepEqual(tree.levels.map((l) => l.expanded), expected.map((n, depth) => (depth + 1 < horizon ? Math.min(beam, n) : 0)));
      for (const n of tree.nodes) {
        assert.equal(n.actions.length, n.depth + 1);
        if (n.depth === 0) assert.equal(n.parent_row, null);
        else {
          const parent = tree.nodes.find((p) => p.depth === n.depth - 1 && p.row === n.parent_row)!;
          assert.ok(parent.expanded, `node ${n.depth}:${n.row} hangs under an expanded node`);
          assert.deepEqual(n.actions.slice(0, -1), parent.actions);
        }
      }
    }
  });

  it('has a consistent chosen path that starts with the chosen action and ends at the chosen value', async () => {
    for (let d = 0; d < Math.min(decisions, 40); d++) {
      const s = await showDecision(store, run, d);
      const tree = s.search!;
      const path = tree.levels.map((l) => tree.nodes.filter((n) => n.depth === l.depth && n.chosen)).filter((c) => c.length > 0);
      path.forEach((c, depth) => {
        assert.equal(c.length, 1, `decision ${d}: one chosen node per depth`);
        assert.equal(c[0]!.depth, depth, `decision ${d}: the chosen path has no gaps`);
      });
      // The default gridworld search expands every root node, so the chosen plan always reaches the last depth.
      assert.equal(path.length, tree.levels.length);
      for (let depth = 1; depth < path.length; depth++) assert.equal(path[depth]![0]!.parent_row, path[depth - 1]![0]!.row, `decision ${d} depth ${depth}`);
      const leaf = path[path.length - 1]![0]!;
      assert.equal(leaf.expanded, false);
      assert.equal(path[0]![0]!.actions[0], s.choice!.action);
      assert.equal(leaf.score, s.choice!.value, 'Q of the chosen action is its plan\'s leaf score');
    }
  });

  it('reports the choice, whether it was greedy, and its outcome', async () => {
    const kinds = new Set<string | null>();
    for (let d = 0; d < Math.min(decisions, 40); d++) {
      const s = await showDecision(store, run, d);
      const c = s.choice!;
      assert.equal(c.action, s.outcome!.action, `decision ${d}: the env stepped the chosen action`);
      assert.equal(c.action_name, s.action_names![c.action as number]);
      const best = Math.max(...c.candidates.map((k) => k.score));
      assert.equal(c.kind, c.candidates[c.chosen_index]!.score === best ? 'greedy' : 'exploration');
      assert.equal(c.candidates[c.argmax_index!]!.score, best);
      kinds.add(c.kind);
    }
    assert.ok(kinds.has('greedy'), 'some decisions are greedy');
  });

  it('labels the root critic value and reads the actor distribution at the observation', async () => {
    const s = await showDecision(store, run, 5);
    const root = s.calls.filter((c) => c.label !== null);
    assert.equal(root.length, 1);
    assert.equal(root[0]!.type, 'critic.evaluated');
    assert.deepEqual(root[0]!.batch, [1, 25]);
    assert.equal(s.root_value!.value, root[0]!.outputs.values!.data[0]);
    const probs = s.actor!.probs!;
    assert.deepEqual(probs.map((p) => p.name), ['up', 'right', 'down', 'left']);
    assert.ok(Math.abs(probs.reduce((a, p) => a + p.p, 0) - 1) < 1e-5);
    assert.deepEqual(new Set(s.calls.map((c) => c.type)), new Set(['actor.proposed', 'critic.evaluated', 'world_model.predicted', 'reward.evaluated']));
  });

  it('shows open-loop replay decisions without an outcome', async () => {
    const s: DecisionShow = await showDecision(store, derived, 5);
    assert.equal(s.source_run, run);
    assert.equal(s.outcome, null);
    assert.equal(s.search!.levels.length, 1);
    assert.ok(s.choice !== null);
    const r = flightrec(tmp.dir, 'show', derived, '5', '--db', db);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /derived from run /);
    assert.match(r.stdout, /no outcome recorded \(open-loop replay\)/);
  });

  it('fails with the ids that exist, the value, or the run', async () => {
    await assert.rejects(showDecision(store, run, 99999), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && e.message === `decision 99999 not found; run ${run} has decisions 0..${decisions - 1}`);
    await assert.rejects(showDecision(store, run, 1.5), (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && /1\.5/.test(e.message));
    await assert.rejects(showDecision(store, 'no-such-run', 0), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /no-such-run/.test(e.message));
  });

  describe('flightrec show (built CLI)', () => {
    it('prints every section, the tree with the chosen path marked', () => {
      const r = flightrec(tmp.dir, 'show', run, '5', '--db', db);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const out = r.stdout;
      assert.match(out, new RegExp(`^decision 5 of run ${run} \\(gridworld\\)\\n  episode 0, step 5\\n  observation  cell \\(`));
      for (const section of ['search', 'component calls', 'actor', 'choice', 'outcome']) assert.match(out, new RegExp(`^${section}$`, 'm'));
      assert.match(out, /rng_state {4}[0-9a-f]{32}/);
      assert.match(out, /versions {5}actor@[0-9a-f]{16} {2}critic@/);
      assert.match(out, /^ {2}planner@[0-9a-f]{16} {2}depth 0: 4 nodes, 4 expanded; depth 1: 16 nodes, 0 expanded/m);
      const search = out.slice(out.indexOf('\nsearch\n'), out.indexOf('\ncomponent calls\n'));
      assert.equal(search.match(/^ {2}(?: {2})*\* (?:up|right|down|left) /gm)?.length, 2, 'one chosen node per depth');
      assert.match(out, /critic\.evaluated +critic@[0-9a-f]{16} +\[1,25\] +values \S+ {2}← V\(s\) at the observation/);
      assert.match(out, /π\(a\|s\): up \S+ {2}right \S+ {2}down \S+ {2}left \S+/);
      assert.match(out, /← argmax/);
      assert.match(out, /^ {2}(greedy|exploration): /m);
      assert.match(out, /^ {2}(up|right|down|left) \(action \d\) → reward \S+, performance \S+, /m);
      assert.match(out, /^ {2}next observation {2}cell \(/m);
    });

    it('--json prints one object with every part, tensors as arrays', () => {
      const r = flightrec(tmp.dir, 'show', run, '5', '--db', db, '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trimEnd().split('\n').length, 1);
      const s = JSON.parse(r.stdout) as Record<string, unknown> & { search: { nodes: unknown[] }; observation: { tensor: { shape: number[]; data: unknown[] } }; choice: { action: number }; outcome: { action: number } };
      for (const key of ['run', 'decision', 'episode', 'step', 'observation', 'rng_state', 'versions', 'search', 'calls', 'root_value', 'actor', 'choice', 'outcome']) assert.ok(key in s, key);
      assert.deepEqual(s.observation.tensor.shape, [25]);
      assert.equal(s.observation.tensor.data.length, 25);
      assert.equal(s.search.nodes.length, 20);
      assert.deepEqual(Object.keys(s.search.nodes[0] as object), ['depth', 'row', 'parent_row', 'actions', 'reward', 'leaf_value', 'score', 'expanded', 'chosen', 'imagined']);
      assert.equal(s.choice.action, s.outcome.action);
    });

    it('exits 2 naming the decision ids, the value or the run', () => {
      const missing = flightrec(tmp.dir, 'show', run, '99999', '--db', db);
      assert.equal(missing.code, 2);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, new RegExp(`decision 99999 not found; run ${run} has decisions 0\\.\\.${decisions - 1}`));
      const bad = flightrec(tmp.dir, 'show', run, 'five', '--db', db);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /invalid decision "five"/);
      const noRun = flightrec(tmp.dir, 'show', 'no-such-run', '5', '--db', db);
      assert.equal(noRun.code, 2);
      assert.match(noRun.stderr, /run not found: no-such-run/);
    });
  });
});
