import { z } from 'zod';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { isGaussian, type DecisionPoint, type PlannerInternal, type PlanningComponents, type PlanResult } from '../components.js';
import { parsePlannerSettings, settingsVersion, type ConfigurablePlanner, type PlannerSettingValue } from '../planner-settings.js';

/** TD-MPC2's planner defaults (Hansen et al. 2024, `config.yaml`); CEM is `method: 'cem'`. */
export const MppiPlannerConfig = z.strictObject({
  kind: z.literal('mppi'),
  method: z.enum(['mppi', 'cem']).default('mppi'),
  /** Action sequences scored per iteration, the actor's included. */
  samples: z.int().min(2).max(8192).default(512),
  /** Of those, rolled out by the actor (TD-MPC2's num_pi_trajs). */
  actorSamples: z.int().min(0).max(8192).default(24),
  elites: z.int().min(1).max(8192).default(64),
  iterations: z.int().min(1).max(64).default(6),
  horizon: z.int().min(1).max(64).default(3),
  /** MPPI's inverse temperature: elite weights ∝ exp(temperature · (score − best)). */
  temperature: z.number().positive().default(0.5),
  /** Bounds of the sampling std, in half-widths of the action box (TD-MPC2 plans in [−1, 1]). */
  minStd: z.number().positive().default(0.05),
  maxStd: z.number().positive().default(2),
  gamma: z.number().gt(0).max(1),
  /** Adds N(0, std²) to the chosen action (TD-MPC2 does while training, not in evaluation). */
  explore: z.boolean().default(true),
  /**
   * Recording policy for the full sample tensors of planner.iterated: 1 every decision, N at
   * steps divisible by N, 0 never. Summaries (mean, std, elites) are recorded always.
   */
  recordSamplesEvery: z.int().min(0).default(1),
});
export type MppiPlannerConfig = z.infer<typeof MppiPlannerConfig>;

/** The action box the planner samples in. */
export interface ActionBox {
  low: readonly number[];
  high: readonly number[];
}

/**
 * Model-predictive path integral control over a continuous action box, as TD-MPC2 plans: each
 * iteration samples action sequences from a Gaussian (a share of them rolled out by the actor
 * instead), scores each by imagined discounted reward plus the discounted critic value at its end,
 * refits mean and std to the best `elites` weighted by exp(temperature · score), and the final
 * action is drawn from the elites by weight (CEM: elites weighted equally, the mean executed). The
 * mean shifted by one step is the carry the next decision starts from. Every component call is
 * batched over the samples; each iteration is one planner.iterated event.
 */
export class MppiPlanner implements ConfigurablePlanner {
  readonly role = 'planner' as const;
  readonly kind = 'mppi';
  readonly config: MppiPlannerConfig;
  private readonly versionHash: string;
  private readonly A: number;

  constructor(
    readonly name: string,
    readonly box: ActionBox,
    config: z.input<typeof MppiPlannerConfig>,
  ) {
    this.config = MppiPlannerConfig.parse(config);
    this.A = box.low.length;
    const c = this.config;
    if (c.actorSamples >= c.samples) throw new InvalidInputError(`planner.actorSamples ${c.actorSamples} must be below planner.samples ${c.samples}`, { field: 'planner.actorSamples', value: c.actorSamples });
    if (c.elites > c.samples) throw new InvalidInputError(`planner.elites ${c.elites} exceeds planner.samples ${c.samples}`, { field: 'planner.elites', value: c.elites });
    if (c.minStd > c.maxStd) throw new InvalidInputError(`planner.minStd ${c.minStd} exceeds planner.maxStd ${c.maxStd}`, { field: 'planner.minStd', value: c.minStd });
    this.versionHash = settingsVersion({ planner: this.kind, box, ...this.config });
  }

  version(): string {
    return this.versionHash;
  }

  settings(): Record<string, PlannerSettingValue> {
    const { kind: _kind, method, ...rest } = this.config;
    return { ...rest, cem: method === 'cem' };
  }

  withSettings(changes: Record<string, PlannerSettingValue>): MppiPlanner {
    const { cem, ...rest } = changes;
    const next: Record<string, unknown> = { ...this.config, ...rest };
    if (cem !== undefined) next.method = cem === true ? 'cem' : 'mppi';
    return new MppiPlanner(this.name, this.box, parsePlannerSettings(MppiPlannerConfig, next, changes, this.kind, Object.keys(this.settings())));
  }

  plan(observation: Tensor, components: PlanningComponents, rng: SeededRng, at: DecisionPoint): PlanResult {
    const { samples: N, actorSamples: P, elites: E, iterations, horizon: H, temperature, gamma, method } = this.config;
    const A = this.A;
    const obs = observation.data.length;
    const root = f32(observation.data, [1, obs]);
    const prior = components.actor.propose(root);
    // V(s) at the real state: not needed to choose, but it is what critic calibration audits against realized returns.
    components.critic.evaluate(root);
    const half = this.box.low.map((lo, j) => (this.box.high[j]! - lo) / 2);
    const mid = this.box.low.map((lo, j) => lo + half[j]!);
    const clampA = (v: number, j: number): number => Math.min(this.box.high[j]!, Math.max(this.box.low[j]!, v));
    const minStd = half.map((h) => this.config.minStd * h);
    const maxStd = half.map((h) => this.config.maxStd * h);

    // actions[i, t, j], row-major [N, H, A]; rows [0, P) come from the actor and stay fixed.
    const actions = new Float32Array(N * H * A);
    if (P > 0) this.actorRollouts(observation.data as Float32Array, components, rng, actions);

    const mean = new Float64Array(H * A);
    const std = new Float64Array(H * A);
    for (let t = 0; t < H; t++) for (let j = 0; j < A; j++) mean[t * A + j] = mid[j]!;
    const carry = at.carry;
    if (carry !== undefined && carry !== null && carry.shape[1] === A) {
      // A carry from a planner with another horizon still warm-starts the steps both have.
      const rows = Math.min(H, carry.shape[0]!);
      for (let k = 0; k < rows * A; k++) mean[k] = carry.data[k]!;
    }
    for (let t = 0; t < H; t++) for (let j = 0; j < A; j++) std[t * A + j] = maxStd[j]!;

    const internals: PlannerInternal[] = [];
    const recordSamples = this.config.recordSamplesEvery > 0 && at.step % this.config.recordSamplesEvery === 0;
    let elites: number[] = [];
    let eliteScores: Float32Array = new Float32Array(0);
    let weights: Float64Array = new Float64Array(0);
    let scores: Float32Array = new Float32Array(N);
    for (let it = 0; it < iterations; it++) {
      const priorMean = Float32Array.from(mean);
      const priorStd = Float32Array.from(std);
      for (let i = P; i < N; i++) {
        for (let t = 0; t < H; t++) {
          for (let j = 0; j < A; j++) {
            const k = t * A + j;
            actions[(i * H + t) * A + j] = clampA(mean[k]! + std[k]! * rng.normal(), j);
          }
        }
      }
      scores = this.score(observation.data as Float32Array, actions, components);
      elites = topRows(scores, E);
      eliteScores = Float32Array.from(elites, (r) => scores[r]!);
      weights = eliteWeights(eliteScores, method, temperature);
      for (let t = 0; t < H; t++) {
        for (let j = 0; j < A; j++) {
          const k = t * A + j;
          let m = 0;
          elites.forEach((r, e) => (m += weights[e]! * actions[(r * H + t) * A + j]!));
          let v = 0;
          elites.forEach((r, e) => (v += weights[e]! * (actions[(r * H + t) * A + j]! - m) ** 2));
          mean[k] = m;
          std[k] = Math.min(maxStd[j]!, Math.max(minStd[j]!, Math.sqrt(v)));
        }
      }
      internals.push({
        type: 'planner.iterated',
        payload: {
          iteration: it,
          method,
          samples: N,
          from_actor: P,
          prior_mean: f32(priorMean, [H, A]),
          prior_std: f32(priorStd, [H, A]),
          mean: f32(Float32Array.from(mean), [H, A]),
          std: f32(Float32Array.from(std), [H, A]),
          elites,
          elite_scores: f32(eliteScores),
          elite_weights: f32(Float32Array.from(weights)),
          sample_actions: recordSamples ? f32(Float32Array.from(actions), [N, H, A]) : null,
          sample_scores: recordSamples ? f32(Float32Array.from(scores)) : null,
          chosen_elite: null,
          chosen_action: null,
          chosen_score: null,
        },
      });
    }

    // MPPI executes an elite drawn by weight (TD-MPC2's Gumbel-softmax draw); CEM executes the mean.
    const chosen = method === 'mppi' ? rng.categorical(weights) : argmax(eliteScores);
    const first = method === 'mppi' ? Array.from({ length: A }, (_, j) => actions[elites[chosen]! * H * A + j]!) : Array.from({ length: A }, (_, j) => mean[j]!);
    const action = Float32Array.from(first, (v, j) => clampA(this.config.explore ? v + std[j]! * rng.normal() : v, j));
    const last = internals[internals.length - 1]!;
    (last.payload as Record<string, unknown>).chosen_elite = chosen;
    (last.payload as Record<string, unknown>).chosen_action = f32(action, [A]);
    (last.payload as Record<string, unknown>).chosen_score = eliteScores[chosen]!;

    const candidates = new Float32Array(elites.length * A);
    elites.forEach((r, e) => candidates.set(actions.subarray(r * H * A, r * H * A + A), e * A));
    const shifted = new Float32Array(H * A);
    for (let t = 0; t + 1 < H; t++) for (let j = 0; j < A; j++) shifted[t * A + j] = mean[(t + 1) * A + j]!;
    for (let j = 0; j < A; j++) shifted[(H - 1) * A + j] = mid[j]!;
    return {
      action,
      candidates: f32(candidates, [elites.length, A]),
      scores: f32(eliteScores),
      chosenIndex: chosen,
      value: eliteScores[chosen]!,
      search: [],
      prior,
      carry: f32(shifted, [H, A]),
      internals,
    };
  }

  /** The actor's P trajectories through the world model, written into rows [0, P) of `actions`. */
  private actorRollouts(observation: Float32Array, c: PlanningComponents, rng: SeededRng, actions: Float32Array): void {
    const { actorSamples: P, horizon: H } = this.config;
    const A = this.A;
    const obs = observation.length;
    let states: Float32Array = new Float32Array(P * obs);
    for (let i = 0; i < P; i++) states.set(observation, i * obs);
    for (let t = 0; t < H; t++) {
      const proposal = c.actor.propose(f32(states, [P, obs]));
      if (!isGaussian(proposal)) throw new InvalidInputError(`the mppi planner needs an actor proposing a Gaussian over continuous actions; ${c.actor.name} proposed probabilities`, { field: 'actor', value: c.actor.kind });
      const step = new Float32Array(P * A);
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < A; j++) {
          const v = proposal.mean.data[i * A + j]! + proposal.std.data[i * A + j]! * rng.normal();
          step[i * A + j] = Math.min(this.box.high[j]!, Math.max(this.box.low[j]!, v));
          actions[(i * H + t) * A + j] = step[i * A + j]!;
        }
      }
      if (t + 1 < H) states = c.worldModel.predict(f32(states, [P, obs]), f32(step, [P, A])).nextStates.data as Float32Array;
    }
  }

  /** Σ γ^t·alive_t·r̂_t + γ^H·alive_H·V(s_H) of every sample, batched: one call per component and step. */
  private score(observation: Float32Array, actions: Float32Array, c: PlanningComponents): Float32Array {
    const { samples: N, horizon: H, gamma } = this.config;
    const A = this.A;
    const obs = observation.length;
    let states: Float32Array = new Float32Array(N * obs);
    for (let i = 0; i < N; i++) states.set(observation, i * obs);
    const ret = new Float64Array(N);
    const alive = new Float64Array(N).fill(1);
    for (let t = 0; t < H; t++) {
      const step = new Float32Array(N * A);
      for (let i = 0; i < N; i++) step.set(actions.subarray((i * H + t) * A, (i * H + t) * A + A), i * A);
      const statesT = f32(states, [N, obs]);
      const stepT = f32(step, [N, A]);
      const wm = c.worldModel.predict(statesT, stepT);
      // The reference reward reads (s, a) only; passing no next states keeps each call's event smaller.
      const r = c.reward.evaluate(statesT, stepT, null).data;
      for (let i = 0; i < N; i++) {
        ret[i] = ret[i]! + gamma ** t * alive[i]! * r[i]!;
        if (wm.done !== null) alive[i] = alive[i]! * (1 - wm.done.data[i]!);
      }
      states = wm.nextStates.data as Float32Array;
    }
    const v = c.critic.evaluate(f32(states, [N, obs])).data;
    // A NaN score ranks as 0, as TD-MPC2's nan_to_num does, so one diverged rollout cannot poison the refit.
    return Float32Array.from(ret, (g, i) => {
      const s = g + gamma ** H * alive[i]! * v[i]!;
      return Number.isNaN(s) ? 0 : s;
    });
  }
}

function topRows(scores: Float32Array, k: number): number[] {
  const rows = Array.from(scores.keys());
  rows.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return rows.slice(0, k);
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** MPPI: softmax of temperature · (score − best), normalised; CEM: equal weights. */
function eliteWeights(scores: Float32Array, method: 'mppi' | 'cem', temperature: number): Float64Array {
  const E = scores.length;
  if (method === 'cem') return new Float64Array(E).fill(1 / E);
  let best = -Infinity;
  for (const s of scores) best = Math.max(best, s);
  const w = Float64Array.from(scores, (s) => Math.exp(temperature * (s - best)));
  let total = 0;
  for (const x of w) total += x;
  for (let e = 0; e < E; e++) w[e] = w[e]! / (total + 1e-9);
  return w;
}
