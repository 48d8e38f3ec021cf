import { z } from 'zod';
import { f32, i32, type Tensor } from '../../events/tensor.js';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { dirichlet } from '../../random/dirichlet.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { isGaussian, type DecisionPoint, type PlanningComponents, type PlanResult } from '../components.js';
import { parsePlannerSettings, settingsVersion, type ConfigurablePlanner, type PlannerSettingValue } from '../planner-settings.js';

/** MuZero's search defaults (Schrittwieser et al. 2020: 50 simulations, c1 = 1.25, root noise 0.25 of Dirichlet(0.25)). */
export const MctsPlannerConfig = z.strictObject({
  kind: z.literal('mcts'),
  /** Simulations per decision; each expands one node (one batched call per component). */
  simulations: z.int().min(1).max(4096).default(50),
  /** PUCT's exploration weight on the prior. */
  cPuct: z.number().positive().default(1.25),
  /** Deepest node a simulation may expand, in imagined steps from the root. */
  maxDepth: z.int().min(1).max(64).default(16),
  gamma: z.number().gt(0).max(1),
  /** Share of the root prior replaced by a Dirichlet(dirichletAlpha) draw; 0 adds no noise. */
  rootNoise: z.number().min(0).max(1).default(0.25),
  dirichletAlpha: z.number().positive().default(0.25),
  /** ε-exploration over the executed action, as the beam planner's: ε = max(min, start · decay^episode). */
  epsilonStart: z.number().min(0).max(1).default(0),
  epsilonDecay: z.number().gt(0).max(1).default(1),
  epsilonMin: z.number().min(0).max(1).default(0),
});
export type MctsPlannerConfig = z.infer<typeof MctsPlannerConfig>;

/** The tree while it grows: one entry per node in every array, node 0 the root. */
interface Tree {
  parent: number[];
  action: number[];
  visits: number[];
  valueSum: number[];
  raw: number[];
  prior: number[];
  reward: number[];
  discount: number[];
  depth: number[];
  /** First of the node's A children (contiguous), −1 while unexpanded. */
  firstChild: number[];
  state: Float32Array[];
}

/**
 * Monte Carlo tree search over discrete actions through the learned world model, as MuZero plans:
 * each simulation descends by PUCT (Q normalised to [0, 1] over the tree, plus
 * cPuct · P · √N(parent) / (1 + N(child))) to an unexpanded node, expands it, and backs the
 * critic's value of that node up the path (r̂ + γ·(1 − done)·G at each step). Expanding a node
 * asks the actor for its prior (one row) and the world model, reward and critic about all A
 * children at once (A rows each), so every component call is batched and every child starts with
 * a Q from its critic value. The root counts its own evaluation as one visit. The executed action
 * is the most visited (ties: higher Q, then lower id), or an ε-draw. The whole tree is one
 * planner.searched event. Its version is the hash of its settings; it has no learned parameters.
 */
export class MctsPlanner implements ConfigurablePlanner {
  readonly role = 'planner' as const;
  readonly kind = 'mcts';
  readonly config: MctsPlannerConfig;
  private readonly versionHash: string;

  constructor(
    readonly name: string,
    readonly actionCount: number,
    config: z.input<typeof MctsPlannerConfig>,
  ) {
    this.config = MctsPlannerConfig.parse(config);
    if (actionCount < 1) throw new InvalidInputError(`the mcts planner needs at least one action, got ${actionCount}`, { field: 'actionCount', value: actionCount });
    this.versionHash = settingsVersion({ planner: this.kind, actionCount, ...this.config });
  }

  version(): string {
    return this.versionHash;
  }

  settings(): Record<string, PlannerSettingValue> {
    const { kind: _kind, ...rest } = this.config;
    return rest;
  }

  withSettings(changes: Record<string, PlannerSettingValue>): MctsPlanner {
    const next = { ...this.config, ...changes };
    return new MctsPlanner(this.name, this.actionCount, parsePlannerSettings(MctsPlannerConfig, next, changes, this.kind, Object.keys(this.settings())));
  }

  epsilon(episode: number): number {
    const c = this.config;
    return Math.max(c.epsilonMin, c.epsilonStart * c.epsilonDecay ** episode);
  }

  plan(observation: Tensor, components: PlanningComponents, rng: SeededRng, at: DecisionPoint): PlanResult {
    const A = this.actionCount;
    const { simulations, cPuct, maxDepth, rootNoise, dirichletAlpha } = this.config;
    const obs = observation.data.length;
    const rootState = Float32Array.from(observation.data);
    const root = f32(rootState, [1, obs]);
    const prior = components.actor.propose(root);
    const rootValue = components.critic.evaluate(root).data[0]!;
    const t: Tree = { parent: [-1], action: [-1], visits: [1], valueSum: [rootValue], raw: [rootValue], prior: [1], reward: [0], discount: [1], depth: [0], firstChild: [-1], state: [rootState] };
    const bounds = { min: Infinity, max: -Infinity };
    const see = (q: number) => {
      if (Number.isFinite(q)) {
        bounds.min = Math.min(bounds.min, q);
        bounds.max = Math.max(bounds.max, q);
      }
    };

    let rootPrior = this.probabilities(prior, A, components.actor.name);
    let noise: Float64Array | null = null;
    if (rootNoise > 0) {
      noise = dirichlet(rng, A, dirichletAlpha);
      rootPrior = rootPrior.map((p, a) => (1 - rootNoise) * p + rootNoise * noise![a]!);
    }
    this.expand(t, 0, rootPrior, components, see);

    for (let s = 0; s < simulations; s++) {
      const path = [0];
      let node = 0;
      while (t.firstChild[node]! !== -1) {
        node = this.select(t, node, cPuct, bounds);
        path.push(node);
      }
      if (t.depth[node]! < maxDepth) {
        const p = components.actor.propose(f32(t.state[node]!, [1, obs]));
        this.expand(t, node, this.probabilities(p, A, components.actor.name), components, see);
      }
      // Back up the leaf's critic value: G at a node, r̂ + discount·G for its parent.
      let g = t.raw[node]!;
      for (let k = path.length - 1; k >= 0; k--) {
        const n = path[k]!;
        t.visits[n]! += 1;
        t.valueSum[n]! += g;
        see(t.reward[n]! + t.discount[n]! * (t.valueSum[n]! / t.visits[n]!));
        g = t.reward[n]! + t.discount[n]! * g;
      }
    }

    const first = t.firstChild[0]!;
    const q = Float32Array.from({ length: A }, (_, a) => qOf(t, first + a));
    const visits = Float32Array.from({ length: A }, (_, a) => t.visits[first + a]!);
    const mostVisited = mostVisitedChild(t, 0) - first;
    let chosen = mostVisited;
    if (rng.uniform() < this.epsilon(at.episode)) chosen = rng.int(A);
    const chosenPath = [0, first + chosen];
    for (let n = first + chosen; t.firstChild[n]! !== -1; ) {
      n = mostVisitedChild(t, n);
      if (t.visits[n]! === 0) break;
      chosenPath.push(n);
    }

    const N = t.parent.length;
    return {
      action: chosen,
      candidates: i32(Array.from({ length: A }, (_, a) => a)),
      // Visit counts are the search's preference (what it executes and what the actor is trained towards).
      scores: f32(visits),
      chosenIndex: chosen,
      value: q[chosen]!,
      search: [],
      prior,
      internals: [
        {
          type: 'planner.searched',
          payload: {
            method: 'puct',
            simulations,
            parents: i32(t.parent),
            actions: i32(t.action),
            visits: i32(t.visits),
            values: f32(Float32Array.from({ length: N }, (_, n) => (t.visits[n]! > 0 ? t.valueSum[n]! / t.visits[n]! : t.raw[n]!))),
            raw_values: f32(t.raw),
            priors: f32(t.prior),
            rewards: f32(t.reward),
            discounts: f32(t.discount),
            root_noise: noise === null ? null : f32(Float32Array.from(noise)),
            chosen_path: chosenPath,
            chosen_action: chosen,
            explored: chosen !== mostVisited,
          },
        },
      ],
    };
  }

  /** A discrete actor's probabilities for one state; a Gaussian actor cannot guide a discrete search. */
  private probabilities(p: Tensor | { mean: Tensor; std: Tensor }, A: number, actor: string): number[] {
    if (isGaussian(p)) throw new InvalidInputError(`the mcts planner needs an actor proposing probabilities over ${A} discrete actions; ${actor} proposed a Gaussian`, { field: 'actor', value: actor });
    return Array.from(p.data.subarray(0, A));
  }

  /** Adds node's A children: their imagined states, rewards, discounts and critic values, in one batched call each. */
  private expand(t: Tree, node: number, priors: readonly number[], c: PlanningComponents, see: (q: number) => void): void {
    const A = this.actionCount;
    const s = t.state[node]!;
    const obs = s.length;
    const states = new Float32Array(A * obs);
    for (let a = 0; a < A; a++) states.set(s, a * obs);
    const statesT = f32(states, [A, obs]);
    const actionsT = i32(Array.from({ length: A }, (_, a) => a));
    const wm = c.worldModel.predict(statesT, actionsT);
    const rewards = c.reward.evaluate(statesT, actionsT, wm.nextStates).data;
    const values = c.critic.evaluate(wm.nextStates).data;
    t.firstChild[node] = t.parent.length;
    for (let a = 0; a < A; a++) {
      const done = wm.done === null ? 0 : wm.done.data[a]!;
      t.parent.push(node);
      t.action.push(a);
      t.visits.push(0);
      t.valueSum.push(0);
      t.raw.push(values[a]!);
      t.prior.push(priors[a]!);
      t.reward.push(rewards[a]!);
      t.discount.push(this.config.gamma * (1 - done));
      t.depth.push(t.depth[node]! + 1);
      t.firstChild.push(-1);
      t.state.push(wm.nextStates.data.subarray(a * obs, (a + 1) * obs) as Float32Array);
      see(rewards[a]! + this.config.gamma * (1 - done) * values[a]!);
    }
  }

  /** The child of `node` maximising normalised Q plus the PUCT bonus; ties go to the lower action id. */
  private select(t: Tree, node: number, cPuct: number, bounds: { min: number; max: number }): number {
    const first = t.firstChild[node]!;
    const sqrtN = Math.sqrt(t.visits[node]!);
    const span = bounds.max - bounds.min;
    let best = first;
    let bestScore = -Infinity;
    for (let a = 0; a < this.actionCount; a++) {
      const c = first + a;
      const q = qOf(t, c);
      const qn = span > 0 && Number.isFinite(q) ? (q - bounds.min) / span : 0;
      const score = qn + (cPuct * t.prior[c]! * sqrtN) / (1 + t.visits[c]!);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }
}

/** Q of reaching `child` from its parent: r̂ + γ·(1 − done)·V, V its mean backed-up value (its raw value while unvisited). */
function qOf(t: Tree, child: number): number {
  const v = t.visits[child]! > 0 ? t.valueSum[child]! / t.visits[child]! : t.raw[child]!;
  return t.reward[child]! + t.discount[child]! * v;
}

/** The most visited child of an expanded node; ties go to the higher Q, then the lower action id. */
function mostVisitedChild(t: Tree, node: number, A = childCount(t, node)): number {
  const first = t.firstChild[node]!;
  let best = first;
  for (let c = first + 1; c < first + A; c++) {
    if (t.visits[c]! > t.visits[best]! || (t.visits[c]! === t.visits[best]! && qOf(t, c) > qOf(t, best))) best = c;
  }
  return best;
}

function childCount(t: Tree, node: number): number {
  const first = t.firstChild[node]!;
  let n = 0;
  while (first + n < t.parent.length && t.parent[first + n] === node) n++;
  return n;
}
