/**
 * Small exact components for the gridworld, implementing the component contracts, so that audit
 * tests can plant one fault at a time in a real recorded run (Recorder + AgentRecorder + SQLite).
 */
import type { Actor, Critic, DecisionPoint, Planner, PlanningComponents, PlanResult, RewardFunction, WorldModel } from '../../src/agent/components.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { f32, i32, type Tensor } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';
import { runEpisodes } from '../../src/harness/episode-loop.js';
import { AgentRecorder } from '../../src/record/agent-recorder.js';
import { SeededRng } from '../../src/random/seeded-rng.js';

const OBS = 25;
const A = 4;

const stateByCell = new Map<Gridworld, Int32Array>();

/** Tabular state of a one-hot gridworld observation row (throws when the row is not one). */
export function stateOfRow(g: Gridworld, data: ArrayLike<number>, offset = 0): number {
  let cells = stateByCell.get(g);
  if (cells === undefined) {
    cells = new Int32Array(OBS).fill(-1);
    for (let s = 0; s < g.numStates; s++) cells[g.observationForState(s).indexOf(1)] = s;
    stateByCell.set(g, cells);
  }
  let hot = -1;
  for (let j = 0; j < OBS; j++) {
    const x = data[offset + j];
    if (x === 1 && hot < 0) hot = j;
    else if (x !== 0) throw new Error('not a gridworld observation');
  }
  if (hot < 0 || cells[hot]! < 0) throw new Error('not a gridworld observation');
  return cells[hot]!;
}

/** Exact dynamics: the most probable next state, and the probability that the step ends the episode. */
export class ExactWorldModel implements WorldModel {
  readonly role = 'world_model' as const;
  readonly kind = 'exact-table';
  constructor(readonly name: string, private readonly g: Gridworld) {}
  version(): string {
    return `exact-slip-${this.g.slip}`;
  }
  predict(states: Tensor, actions: Tensor): { nextStates: Tensor; done: Tensor } {
    const n = states.shape[0]!;
    const table = this.g.transitionTable();
    const next = new Float32Array(n * OBS);
    const done = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const s = stateOfRow(this.g, states.data, i * OBS);
      const outcomes = table.outcomes[s]![actions.data[i]!]!;
      const likely = outcomes.reduce((a, b) => (b.probability > a.probability ? b : a));
      next.set(this.g.observationForState(likely.nextState), i * OBS);
      done[i] = outcomes.reduce((p, o) => p + (o.terminal ? o.probability : 0), 0);
    }
    return { nextStates: f32(next, [n, OBS]), done: f32(done) };
  }
}

/** Expected reward of (s, a) under the table, plus a planted bonus per action (what reality never pays). */
export class TableReward implements RewardFunction {
  readonly role = 'reward' as const;
  readonly kind = 'exact-table';
  constructor(readonly name: string, private readonly g: Gridworld, private readonly bonus: readonly number[] = [0, 0, 0, 0]) {}
  version(): string {
    return `table-bonus-${this.bonus.join('_')}`;
  }
  evaluate(states: Tensor, actions: Tensor): Tensor {
    const n = states.shape[0]!;
    const table = this.g.transitionTable();
    return f32(Array.from({ length: n }, (_, i) => {
      const s = stateOfRow(this.g, states.data, i * OBS);
      const a = actions.data[i]!;
      return table.outcomes[s]![a]!.reduce((r, o) => r + o.probability * o.reward, 0) + this.bonus[a]!;
    }));
  }
}

/** V[s] + offset: an exact critic with a planted constant bias. */
export class TableCritic implements Critic {
  readonly role = 'critic' as const;
  readonly kind = 'table';
  constructor(readonly name: string, private readonly g: Gridworld, private readonly values: Float64Array, private readonly offset = 0) {}
  version(): string {
    return `table-offset-${this.offset}`;
  }
  evaluate(states: Tensor): Tensor {
    const n = states.shape[0]!;
    return f32(Array.from({ length: n }, (_, i) => this.values[stateOfRow(this.g, states.data, i * OBS)]! + this.offset));
  }
}

export class UniformActor implements Actor {
  readonly role = 'actor' as const;
  readonly kind = 'uniform';
  readonly name = 'actor';
  version(): string {
    return 'uniform';
  }
  propose(states: Tensor): Tensor {
    const n = states.shape[0]!;
    return f32(new Float32Array(n * A).fill(1 / A), [n, A]);
  }
}

/**
 * One-step lookahead over every action: Q(a) = r̂ + γ(1 − done)V(ŝ'). It follows a fixed policy
 * when given one; otherwise it takes argmax Q, except that with probability `p` it takes a
 * uniformly drawn action whose Q is below the maximum (counted in `deviations`).
 */
export class OneStepPlanner implements Planner {
  readonly role = 'planner' as const;
  readonly kind = 'one-step';
  readonly name = 'planner';
  decisions = 0;
  deviations = 0;
  regretSum = 0;
  constructor(private readonly g: Gridworld, private readonly gamma: number, private readonly p: number, private readonly policy: Int32Array | null = null) {}
  version(): string {
    return `one-step-p${this.p}`;
  }
  plan(observation: Tensor, c: PlanningComponents, rng: SeededRng, _at: DecisionPoint): PlanResult {
    const root = f32(observation.data, [1, OBS]);
    const prior = c.actor.propose(root);
    c.critic.evaluate(root);
    const states = new Float32Array(A * OBS);
    for (let a = 0; a < A; a++) states.set(observation.data, a * OBS);
    const statesT = f32(states, [A, OBS]);
    const actionsT = i32([0, 1, 2, 3]);
    const wm = c.worldModel.predict(statesT, actionsT);
    const r = c.reward.evaluate(statesT, actionsT, wm.nextStates).data;
    const v = c.critic.evaluate(wm.nextStates).data;
    const q = Array.from({ length: A }, (_, a) => r[a]! + this.gamma * (1 - wm.done!.data[a]!) * v[a]!);
    const max = Math.max(...q);
    let action = q.indexOf(max);
    if (this.policy !== null) action = this.policy[stateOfRow(this.g, observation.data)]!;
    else if (rng.uniform() < this.p) {
      const below = q.map((x, a) => [x, a] as const).filter(([x]) => x < max - 1e-6 * Math.max(1, Math.abs(max)));
      if (below.length > 0) {
        action = below[rng.int(below.length)]![1];
        this.deviations++;
      }
    }
    this.decisions++;
    this.regretSum += max - q[action]!;
    return {
      action,
      candidates: i32([0, 1, 2, 3]),
      scores: f32(q),
      chosenIndex: action,
      value: q[action]!,
      search: [{ depth: 0, actions: i32([0, 1, 2, 3], [A, 1]), parents: null, states: wm.nextStates, rewards: f32(r), leafValues: f32(v), scores: f32(q), expanded: [], chosen: [action] }],
      prior,
    };
  }
}

export interface TabularRun {
  db: string;
  id: string;
  episodes: number;
  seed: number;
  gamma: number;
  horizon: number;
  slip: number;
  worldModel: WorldModel;
  reward: RewardFunction;
  critic: Critic;
  actor: Actor;
  planner: Planner;
  /** Env id recorded in run.started; another id than 'gridworld' makes the run look like a user's own env. */
  envId?: string;
}

/** Records a run of the given components on the gridworld, as the reference training loop does (without learning). */
export async function recordTabularRun(o: TabularRun): Promise<{ decisions: number }> {
  const recorder = await Recorder.open(o.db);
  const all = [o.worldModel, o.reward, o.critic, o.actor, o.planner];
  const run = await recorder.startRun({
    id: o.id,
    name: `tabular ${o.id}`,
    config: { agent: { gamma: o.gamma, planner: { horizon: o.horizon, gamma: o.gamma } }, episodes: o.episodes, env: o.envId ?? 'gridworld' },
    seed: o.seed,
    env: o.envId ?? 'gridworld',
    components: all.map((c) => ({ name: c.name, role: c.role, kind: c.kind, version: c.version() })),
  });
  const { decisions } = await runEpisodes({
    env: new Gridworld({ slip: o.slip }),
    components: { worldModel: o.worldModel, reward: o.reward, critic: o.critic, actor: o.actor, planner: o.planner },
    recorder: new AgentRecorder(run),
    seed: o.seed,
    episodes: o.episodes,
    discount: o.gamma,
    envSeed: (episode) => o.seed * 1000 + episode,
    rng: SeededRng.fromSeed(o.seed),
  });
  await run.end('completed', null, { episodes: o.episodes, decisions });
  await recorder.close();
  return { decisions };
}

/** A OneStepPlanner that follows, in each episode, the fixed policy `policyOf(episode)` picks. */
export class ScheduledPlanner implements Planner {
  readonly role = 'planner' as const;
  readonly kind = 'scheduled';
  readonly name = 'planner';
  private readonly planners: Map<Int32Array, OneStepPlanner>;
  constructor(g: Gridworld, gamma: number, private readonly policyOf: (episode: number) => Int32Array, policies: readonly Int32Array[]) {
    this.planners = new Map(policies.map((p) => [p, new OneStepPlanner(g, gamma, 0, p)]));
  }
  version(): string {
    return 'scheduled';
  }
  plan(observation: Tensor, c: PlanningComponents, rng: SeededRng, at: DecisionPoint): PlanResult {
    return this.planners.get(this.policyOf(at.episode))!.plan(observation, c, rng, at);
  }
}
