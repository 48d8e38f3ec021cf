import { z } from 'zod';
import { InvalidInputError } from '../errors/flightrec-error.js';
import { RngState, SeededRng } from '../random/seeded-rng.js';
import type { ActionSpec, Environment, ObservationSpec, StepResult } from './environment.js';
import { EpisodeOverError } from './episode-over-error.js';
import { parseInput } from './parse-input.js';

/** Gymnasium Pendulum-v1's constants (g = 10 there, not 9.81). */
export const PENDULUM_PHYSICS = {
  g: 10.0,
  m: 1.0,
  l: 1.0,
  dt: 0.05,
  maxSpeed: 8,
  maxTorque: 2.0,
} as const;

export const PendulumConfig = z.strictObject({
  maxEpisodeSteps: z.int().positive().default(200),
  /**
   * What the agent is paid. `cost` is Pendulum-v1's −(θ² + 0.1·θ̇² + 0.001·u²). `tip-height` pays
   * cos θ, the tip's height, alone: a gameable proxy that a pendulum spinning fast collects
   * without ever balancing. Either way `performance` is the true objective, Pendulum-v1's reward.
   */
  reward: z.enum(['cost', 'tip-height']).default('cost'),
});
export type PendulumConfig = z.infer<typeof PendulumConfig>;

/**
 * Physical state in float64 (the observation is its float32 cast). -0 never occurs, so JSON keeps
 * it exactly: θ̇ starts as u·2 − 1 and a sum is -0 only when both terms are.
 */
export const PendulumState = z.strictObject({
  env: z.literal('pendulum'),
  theta: z.number(),
  thetaDot: z.number(),
  t: z.int().nonnegative(),
  over: z.enum(['running', 'not_started', 'truncated']),
  rng: RngState,
  maxEpisodeSteps: z.int().positive(),
  reward: PendulumConfig.shape.reward.removeDefault(),
});
export type PendulumState = z.infer<typeof PendulumState>;

/** Python's floor-mod, as Pendulum-v1's angle_normalize uses it: the angle in [−π, π). */
export function angleNormalize(x: number): number {
  const twoPi = 2 * Math.PI;
  return ((((x + Math.PI) % twoPi) + twoPi) % twoPi) - Math.PI;
}

/**
 * Pendulum swing-up with Gymnasium Pendulum-v1's dynamics and reward: θ = 0 is upright, the
 * torque u ∈ [−2, 2], the observation is (cos θ, sin θ, θ̇), and an episode never terminates; it
 * is truncated after 200 steps. Actions outside the box are refused (InvalidInputError), not
 * clipped as Gymnasium does, so that a planner's out-of-bounds action is visible.
 */
export class Pendulum implements Environment {
  readonly id = 'pendulum';
  private config: PendulumConfig;
  private s: Omit<PendulumState, 'env' | 'rng' | 'maxEpisodeSteps' | 'reward'> = { theta: 0, thetaDot: 0, t: 0, over: 'not_started' };
  private rng = SeededRng.fromSeed(0);

  constructor(options: z.input<typeof PendulumConfig> = {}) {
    this.config = parseInput(PendulumConfig, options, 'pendulum options');
  }

  get maxEpisodeSteps(): number {
    return this.config.maxEpisodeSteps;
  }

  get rewardKind(): PendulumConfig['reward'] {
    return this.config.reward;
  }

  observationSpec(): ObservationSpec {
    const P = PENDULUM_PHYSICS;
    return { shape: [3], dtype: 'float32', low: [-1, -1, -P.maxSpeed], high: [1, 1, P.maxSpeed], names: ['cos_theta', 'sin_theta', 'theta_dot'] };
  }

  actionSpec(): ActionSpec {
    const T = PENDULUM_PHYSICS.maxTorque;
    return { kind: 'continuous', shape: [1], low: [-T], high: [T] };
  }

  reset(seed: number): Float32Array {
    this.rng = SeededRng.fromSeed(seed);
    const theta = this.rng.uniform() * 2 * Math.PI - Math.PI;
    const thetaDot = this.rng.uniform() * 2 - 1;
    this.s = { theta, thetaDot, t: 0, over: 'running' };
    return this.observation();
  }

  step(action: number | Float32Array): StepResult {
    if (this.s.over !== 'running') throw new EpisodeOverError(this.id, this.s.over);
    const u = this.parseAction(action);
    const P = PENDULUM_PHYSICS;
    const { theta, thetaDot } = this.s;
    const cost = angleNormalize(theta) ** 2 + 0.1 * thetaDot ** 2 + 0.001 * u ** 2;
    const accel = ((3 * P.g) / (2 * P.l)) * Math.sin(theta) + (3.0 / (P.m * P.l ** 2)) * u;
    const nextDot = Math.min(P.maxSpeed, Math.max(-P.maxSpeed, thetaDot + accel * P.dt));
    const next = theta + nextDot * P.dt;
    const t = this.s.t + 1;
    const truncated = t >= this.config.maxEpisodeSteps;
    this.s = { theta: next, thetaDot: nextDot, t, over: truncated ? 'truncated' : 'running' };
    // Pendulum-v1 pays for the state it was in (cost before the step); the proxy pays for the height reached.
    const reward = this.config.reward === 'cost' ? -cost : P.l * Math.cos(next);
    return { observation: this.observation(), reward, terminated: false, truncated, performance: -cost };
  }

  saveState(): PendulumState {
    return { env: 'pendulum', ...this.s, rng: this.rng.state(), maxEpisodeSteps: this.config.maxEpisodeSteps, reward: this.config.reward };
  }

  restoreState(state: Record<string, unknown>): void {
    const s = parseInput(PendulumState, state, 'pendulum state');
    this.config = { ...this.config, maxEpisodeSteps: s.maxEpisodeSteps, reward: s.reward };
    this.s = { theta: s.theta, thetaDot: s.thetaDot, t: s.t, over: s.over };
    this.rng = SeededRng.fromState(s.rng);
  }

  private parseAction(action: unknown): number {
    const T = PENDULUM_PHYSICS.maxTorque;
    if (action instanceof Float32Array && action.length === 1 && action[0]! >= -T && action[0]! <= T) return action[0]!;
    const shown = action instanceof Float32Array ? `Float32Array [${Array.from(action).join(', ')}]` : String(action);
    throw new InvalidInputError(`pendulum: invalid action ${shown}; expected a Float32Array of 1 torque in [-${T}, ${T}]`, { env: this.id, action: shown });
  }

  private observation(): Float32Array {
    return Float32Array.of(Math.cos(this.s.theta), Math.sin(this.s.theta), this.s.thetaDot);
  }
}
