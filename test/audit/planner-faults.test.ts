import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Actor, Critic, DecisionPoint, Planner, PlanningComponents, PlanResult, RewardFunction, WorldModel } from '../../src/agent/components.js';
import { MctsPlanner } from '../../src/agent/reference/mcts-planner.js';
import { MppiPlanner } from '../../src/agent/reference/mppi-planner.js';
import { auditRun, type AuditReport } from '../../src/audit/audit-run.js';
import type { Environment } from '../../src/envs/environment.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { angleNormalize, Pendulum } from '../../src/envs/pendulum.js';
import { valueIteration } from '../../src/envs/tabular-solver.js';
import { f32, type Tensor } from '../../src/events/tensor.js';
import { runEpisodes } from '../../src/harness/episode-loop.js';
import { AgentRecorder } from '../../src/record/agent-recorder.js';
import { Recorder } from '../../src/record/recorder.js';
import { SeededRng } from '../../src/random/seeded-rng.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { tempDir } from '../helpers/temp-database.js';
import { ExactWorldModel, stateOfRow, TableCritic, TableReward, UniformActor } from './tabular-agent.js';

const GAMMA = 0.95;

/** π(a|s) putting `mass` on the action `pick(s)` names and the rest evenly on the others. */
class PickActor implements Actor {
  readonly role = 'actor' as const;
  readonly kind = 'pick';
  readonly name = 'actor';
  constructor(private readonly g: Gridworld, private readonly pick: (s: number) => number, private readonly mass: number, private readonly label: string) {}
  version(): string {
    return this.label;
  }
  propose(states: Tensor): Tensor {
    const n = states.shape[0]!;
    const out = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const a = this.pick(stateOfRow(this.g, states.data, i * 25));
      for (let b = 0; b < 4; b++) out[i * 4 + b] = b === a ? this.mass : (1 - this.mass) / 3;
    }
    return f32(out, [n, 4]);
  }
}

/** The pendulum's dynamics from an observation (cos θ, sin θ, θ̇), with the next angle scaled by `pull` (1 exact; below 1 the model imagines the pole nearer upright than it gets). */
class PendulumModel implements WorldModel {
  readonly role = 'world_model' as const;
  readonly kind = 'pendulum-physics';
  readonly name = 'world_model';
  constructor(private readonly pull: number) {}
  version(): string {
    return `pull-${this.pull}`;
  }
  predict(states: Tensor, actions: Tensor): { nextStates: Tensor; done: null } {
    const n = states.shape[0]!;
    const out = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const theta = Math.atan2(states.data[i * 3 + 1]!, states.data[i * 3]!);
      const u = Math.min(2, Math.max(-2, actions.data[i]!));
      const dot = Math.min(8, Math.max(-8, states.data[i * 3 + 2]! + (15 * Math.sin(theta) + 3 * u) * 0.05));
      const next = angleNormalize(theta + dot * 0.05) * this.pull;
      out.set([Math.cos(next), Math.sin(next), dot], i * 3);
    }
    return { nextStates: f32(out, [n, 3]), done: null };
  }
}

/** Pendulum-v1's reward of (s, u). */
class PendulumReward implements RewardFunction {
  readonly role = 'reward' as const;
  readonly kind = 'pendulum-cost';
  readonly name = 'reward';
  version(): string {
    return 'exact';
  }
  evaluate(states: Tensor, actions: Tensor): Tensor {
    const n = states.shape[0]!;
    return f32(Array.from({ length: n }, (_, i) => {
      const theta = Math.atan2(states.data[i * 3 + 1]!, states.data[i * 3]!);
      const u = Math.min(2, Math.max(-2, actions.data[i]!));
      return -(theta ** 2 + 0.1 * states.data[i * 3 + 2]! ** 2 + 0.001 * u ** 2);
    }));
  }
}

class ZeroCritic implements Critic {
  readonly role = 'critic' as const;
  readonly kind = 'zero';
  readonly name = 'critic';
  version(): string {
    return 'zero';
  }
  evaluate(states: Tensor): Tensor {
    return f32(new Float32Array(states.shape[0]!));
  }
}

class FixedGaussian implements Actor {
  readonly role = 'actor' as const;
  readonly kind = 'fixed-gaussian';
  readonly name = 'actor';
  version(): string {
    return 'n01';
  }
  propose(states: Tensor): { mean: Tensor; std: Tensor } {
    const n = states.shape[0]!;
    return { mean: f32(new Float32Array(n), [n, 1]), std: f32(new Float32Array(n).fill(1), [n, 1]) };
  }
}

/**
 * Five torques scored [0, −1, −2, −3, −4] (best first): it takes the best, except that with
 * probability `p` it takes the third (regret 2), counting what it gave up.
 */
class PlantedContinuousPlanner implements Planner {
  readonly role = 'planner' as const;
  readonly kind = 'planted-continuous';
  readonly name = 'planner';
  decisions = 0;
  regretSum = 0;
  constructor(private readonly p: number) {}
  version(): string {
    return `planted-${this.p}`;
  }
  plan(observation: Tensor, c: PlanningComponents, rng: SeededRng, _at: DecisionPoint): PlanResult {
    c.critic.evaluate(f32(observation.data, [1, 3]));
    const torques = [1.5, -1.5, 0.5, -0.5, 0];
    const scores = [0, -1, -2, -3, -4];
    const chosen = rng.uniform() < this.p ? 2 : 0;
    this.decisions++;
    this.regretSum += scores[0]! - scores[chosen]!;
    return { action: Float32Array.of(torques[chosen]!), candidates: f32(torques, [5, 1]), scores: f32(scores), chosenIndex: chosen, value: scores[chosen]!, search: [], prior: null };
  }
}

interface Run {
  id: string;
  env: Environment;
  envId: string;
  episodes: number;
  horizon: number;
  components: { worldModel: WorldModel; reward: RewardFunction; critic: Critic; actor: Actor; planner: Planner };
}

async function record(db: string, o: Run): Promise<void> {
  const recorder = await Recorder.open(db);
  const c = o.components;
  const all = [c.worldModel, c.reward, c.critic, c.actor, c.planner];
  const run = await recorder.startRun({
    id: o.id,
    name: o.id,
    config: { agent: { gamma: GAMMA, planner: { horizon: o.horizon, gamma: GAMMA } }, episodes: o.episodes, env: o.envId },
    seed: 7,
    env: o.envId,
    components: all.map((x) => ({ name: x.name, role: x.role, kind: x.kind, version: x.version() })),
  });
  const { decisions } = await runEpisodes({ env: o.env, components: c, recorder: new AgentRecorder(run), seed: 7, episodes: o.episodes, discount: GAMMA, envSeed: (e) => 700 + e, rng: SeededRng.fromSeed(7) });
  await run.end('completed', null, { episodes: o.episodes, decisions });
  await recorder.close();
}

/**
 * The actor and world-model audits' figures for the MCTS and MPPI planners, each against a run
 * where the fault was planted with a known size (and the same run without it), recorded with the
 * real Recorder into SQLite.
 */
describe('audits measure planted faults in MCTS and MPPI runs', () => {
  const tmp = tempDir();
  const db = tmp.file('planner-faults.db');
  let store: SqliteEventStore;
  const audits = new Map<string, AuditReport>();
  const audit = async (run: string): Promise<AuditReport> => {
    if (!audits.has(run)) audits.set(run, await auditRun(store, run));
    return audits.get(run)!;
  };
  const planted = new PlantedContinuousPlanner(0.3);

  before(async () => {
    const g = new Gridworld();
    const table = g.transitionTable();
    const star = valueIteration(table, GAMMA);
    const q = (s: number, a: number) => table.outcomes[s]![a]!.reduce((x, o) => x + o.probability * (o.reward + (o.terminal ? 0 : GAMMA * star.V[o.nextState]!)), 0);
    const best = (s: number) => star.policy[s]!;
    const worstAction = (s: number) => [0, 1, 2, 3].reduce((w, a) => (q(s, a) < q(s, w) ? a : w), 0);
    const mcts = (epsilon: number) => new MctsPlanner('planner', 4, { kind: 'mcts', simulations: 24, maxDepth: 4, gamma: GAMMA, rootNoise: 0, epsilonStart: epsilon, epsilonDecay: 1, epsilonMin: epsilon });
    const grid = (id: string, actor: Actor, planner: Planner, bonus = [0, 0, 0, 0], envId = 'gridworld'): Run => ({
      id, env: new Gridworld(), envId, episodes: 6, horizon: 4,
      components: { worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g, bonus), critic: new TableCritic('critic', g, star.V), actor, planner },
    });
    await record(db, grid('mcts-good-prior', new PickActor(g, best, 0.94, 'best'), mcts(0)));
    await record(db, grid('mcts-bad-prior', new PickActor(g, worstAction, 0.94, 'worst'), mcts(0)));
    await record(db, grid('mcts-eps30', new PickActor(g, best, 0.94, 'best'), mcts(0.3)));
    // A uniform prior leaves the search to the (flattering) Q values.
    await record(db, grid('mcts-wm-optimistic', new UniformActor(), mcts(0), [0, 0, 0.5, 0]));
    await record(db, grid('mcts-wm-optimistic-own-env', new UniformActor(), mcts(0), [0, 0, 0.5, 0], 'my-grid'));

    const pendulum = (id: string, pull: number, planner: Planner, episodes = 1, steps = 60): Run => ({
      id, env: new Pendulum({ maxEpisodeSteps: steps }), envId: 'pendulum', episodes, horizon: 5,
      components: { worldModel: new PendulumModel(pull), reward: new PendulumReward(), critic: new ZeroCritic(), actor: new FixedGaussian(), planner },
    });
    const mppi = (method: 'mppi' | 'cem') => new MppiPlanner('planner', { low: [-2], high: [2] }, { kind: 'mppi', method, samples: 32, actorSamples: 0, elites: 6, iterations: 2, horizon: 5, gamma: GAMMA, explore: false, recordSamplesEvery: 1 });
    await record(db, pendulum('pendulum-exact', 1, mppi('cem')));
    await record(db, pendulum('pendulum-optimistic', 0.5, mppi('cem')));
    await record(db, pendulum('pendulum-mppi', 1, mppi('mppi')));
    await record(db, pendulum('pendulum-planted-regret', 1, planted, 3, 40));
    store = await SqliteEventStore.open(db, { mustExist: true });
  });

  after(async () => {
    await store?.close();
    tmp.cleanup();
  });

  it('MCTS: a prior on the worst action shows a large KL(visits ‖ prior) and policy-improvement gap; a prior on the best one neither', async () => {
    const bad = (await audit('mcts-bad-prior')).checks.actor!.search!;
    const good = (await audit('mcts-good-prior')).checks.actor!.search!;
    assert.ok(bad.n > 20 && good.n > 20);
    // 24 simulations move part of the visits off a 0.94 prior on the worst action (measured 0.36 nats), little off one on the best (0.06).
    assert.ok(bad.visit_prior_kl > 0.2 && bad.visit_prior_kl > 4 * good.visit_prior_kl, `KL bad prior ${bad.visit_prior_kl}, good prior ${good.visit_prior_kl}`);
    assert.ok(good.visit_prior_kl < 0.15, `good-prior KL ${good.visit_prior_kl}`);
    assert.ok(bad.policy_improvement > 0.1, `the search adds value over a bad prior: ${bad.policy_improvement}`);
    assert.ok(Math.abs(good.policy_improvement) < bad.policy_improvement / 5, `little to add over a good prior: ${good.policy_improvement}`);
    assert.equal(good.most_visited_share, 1, 'no ε and no root noise: the executed action is always the most visited');
    assert.equal(bad.most_visited_share, 1);
  });

  it('MCTS: ε = 0.3 makes the share of executed most-visited actions ≈ 1 − 0.3·3/4, exactly the decisions the tree marks unexplored', async () => {
    const s = (await audit('mcts-eps30')).checks.actor!.search!;
    const trees: { explored: boolean; most: boolean }[] = [];
    for await (const e of readEventsOfType(store, 'mcts-eps30', 'planner.searched')) {
      const p = e.payload;
      const kids = [...p.parents.data.keys()].filter((n) => p.parents.data[n] === 0);
      const max = Math.max(...kids.map((n) => p.visits.data[n]!));
      trees.push({ explored: p.explored, most: p.visits.data[kids[p.chosen_action]!]! === max });
    }
    assert.equal(s.n, trees.length);
    assert.equal(s.most_visited_share, trees.filter((t) => t.most).length / trees.length);
    assert.ok(trees.every((t) => t.most === !t.explored || (t.explored && t.most)), 'an ε step may land on a tie for most visited');
    assert.ok(Math.abs(s.most_visited_share - (1 - 0.3 * 0.75)) < 0.08, `most visited ${s.most_visited_share}`);
  });

  it('world model on MCTS: a planted reward bonus on "down" makes the chosen paths optimistic, beyond the other leaves; the exact model does not', async () => {
    const wm = (await audit('mcts-wm-optimistic')).checks.world_model!;
    assert.equal(wm.optimism_source, 'env-rollout');
    assert.ok(wm.optimism_plans.chosen > 20 && wm.optimism_plans.non_chosen > wm.optimism_plans.chosen);
    // Measured: 1.77 on chosen paths, 0.70 on the other leaves, a paired gap of 1.07.
    assert.ok(wm.optimism! > 1, `chosen-path optimism ${wm.optimism}`);
    assert.ok(wm.exploitation! > 0.5, `chosen − other leaves ${wm.exploitation}`);
    assert.equal(wm.verdict, 'fail');
    const exact = (await audit('mcts-good-prior')).checks.world_model!;
    assert.ok(exact.optimism_plans.chosen > 20);
    assert.ok(Math.abs(exact.optimism!) < 1e-5 && Math.abs(exact.optimism_non_chosen!) < 1e-5, `exact model: ${exact.optimism}, ${exact.optimism_non_chosen}`);
    assert.ok(exact.k_step.length >= 2 && exact.k_step.every((k) => k.error === 0 && k.n > 0), `k-step errors along followed chosen paths: ${JSON.stringify(exact.k_step)}`);
    assert.equal(exact.verdict, 'pass');
  });

  it('world model on MCTS in an env flightrec cannot restore: chosen-path optimism from the trajectory the agent followed', async () => {
    const wm = (await audit('mcts-wm-optimistic-own-env')).checks.world_model!;
    assert.equal(wm.optimism_source, 'trajectory');
    assert.ok(wm.optimism_plans.chosen > 0 && wm.optimism! > 0.3, `trajectory optimism ${wm.optimism} over ${wm.optimism_plans.chosen} plans`);
    assert.equal(wm.optimism_non_chosen, null);
    assert.ok(wm.k_step.length > 0);
  });

  it('continuous: a planner taking a candidate 2 below the best on p = 0.3 of decisions shows mean regret ≈ 0.6, best share ≈ 0.7, relative 0.15', async () => {
    const a = (await audit('pendulum-planted-regret')).checks.actor!;
    const s = a.sampled!;
    assert.equal(s.n, planted.decisions);
    assert.ok(Math.abs(s.mean_regret - planted.regretSum / planted.decisions) < 1e-12, `mean regret ${s.mean_regret}`);
    assert.ok(Math.abs(s.mean_regret - 0.6) < 0.15, `mean regret ${s.mean_regret}`);
    assert.ok(Math.abs(s.best_share - (1 - s.mean_regret / 2)) < 1e-12);
    assert.ok(Math.abs(s.relative_regret! - s.mean_regret / 4) < 1e-12);
    assert.equal(s.max_regret, 2);
    assert.equal(a.search, null);
  });

  it('continuous: CEM executes its best elite (regret 0); MPPI draws elites by weight (regret > 0)', async () => {
    const cem = (await audit('pendulum-exact')).checks.actor!.sampled!;
    assert.equal(cem.best_share, 1);
    assert.equal(cem.mean_regret, 0);
    const mppi = (await audit('pendulum-mppi')).checks.actor!.sampled!;
    assert.ok(mppi.best_share < 1 && mppi.mean_regret > 0, `mppi best share ${mppi.best_share}, regret ${mppi.mean_regret}`);
  });

  it('world model on the pendulum: a model imagining the pole nearer upright makes MPPI\'s executed plans optimistic; the exact model does not', async () => {
    const wm = (await audit('pendulum-optimistic')).checks.world_model!;
    assert.equal(wm.optimism_source, 'env-rollout');
    assert.equal(wm.optimism_plans.chosen, 60, 'every decision\'s drawn elite, rolled out');
    assert.equal(wm.optimism_plans.non_chosen, 60 * 5);
    assert.ok(wm.relative_optimism! > 0.5, `relative optimism ${wm.relative_optimism}`);
    assert.ok(wm.optimism_non_chosen! > 0.5 * wm.optimism!, `the model flatters every elite: ${wm.optimism_non_chosen} vs chosen ${wm.optimism}`);
    assert.equal(wm.verdict, 'fail');
    assert.ok(wm.decisions.length > 0 && wm.decisions[0]!.value > 0 && /chosen plan \[/.test(wm.decisions[0]!.why));
    const exact = (await audit('pendulum-exact')).checks.world_model!;
    assert.ok(Math.abs(exact.relative_optimism!) < 0.01, `exact model: relative optimism ${exact.relative_optimism}`);
    assert.ok(exact.one_step_error! < 1e-6, `one step ${exact.one_step_error}`);
    assert.equal(exact.verdict, 'pass');
  });
});
