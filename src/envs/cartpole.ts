import { z } from 'zod';
import { RngState, SeededRng } from '../random/seeded-rng.js';
import type { ActionSpec, Environment, ObservationSpec, StepResult } from './environment.js';
import { EpisodeOverError } from './episode-over-error.js';
import { parseDiscreteAction } from './parse-discrete-action.js';
import { parseInput } from './parse-input.js';

/** Barto, Sutton & Anderson (1983) constants, as in Gym CartPole-v1. */
export const CARTPOLE_PHYSICS = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  /** Half the pole's length. */
  length: 0.5,
  forceMag: 10.0,
  tau: 0.02,
  xThreshold: 2.4,
  thetaThreshold: (12 * 2 * Math.PI) / 360,
} as const;

export const CartpoleConfig = z.strictObject({
  maxEpisodeSteps: z.int().positive().default(200),
});
export type CartpoleConfig = z.infer<typeof CartpoleConfig>;

/**
 * Physical state in float64 (the observation is its float32 cast). JSON numbers round-trip
 * float64 exactly; the one value JSON cannot keep, -0, never occurs here: the initial values are
 * differences u − 0.05, which are never -0, and a sum is -0 only when both terms are.
 */
export const CartpoleState = z.strictObject({
  env: z.literal('cartpole'),
  x: z.number(),
  xDot: z.number(),
  theta: z.number(),
  thetaDot: z.number(),
  t: z.int().nonnegative(),
  over: z.enum(['running', 'not_started', 'terminated', 'truncated']),
  rng: RngState,
  maxEpisodeSteps: z.int().positive(),
});
export type CartpoleState = z.infer<typeof CartpoleState>;

/**
 * Classic cart-pole balancing: reward 1 per step, including the step that drops the pole.
 * `performance` is null: the reward is exactly what the designer values (balancing time), so
 * there is no hidden signal to diverge from — reward-divergence audits skip this env.
 */
export class Cartpole implements Environment {
  readonly id = 'cartpole';
  private config: CartpoleConfig;
  private s: Omit<CartpoleState, 'env' | 'rng' | 'maxEpisodeSteps'> = {
    x: 0,
    xDot: 0,
    theta: 0,
    thetaDot: 0,
    t: 0,
    over: 'not_started',
  };
  private rng = SeededRng.fromSeed(0);

  constructor(options: z.input<typeof CartpoleConfig> = {}) {
    this.config = parseInput(CartpoleConfig, options, 'cartpole options');
  }

  get maxEpisodeSteps(): number {
    return this.config.maxEpisodeSteps;
  }

  observationSpec(): ObservationSpec {
    // No low/high: the velocities are unbounded and JSON cannot write Infinity.
    return { shape: [4], dtype: 'float32', names: ['x', 'x_dot', 'theta', 'theta_dot'] };
  }

  actionSpec(): ActionSpec {
    return { kind: 'discrete', n: 2, names: ['push_left', 'push_right'] };
  }

  reset(seed: number): Float32Array {
    this.rng = SeededRng.fromSeed(seed);
    const u = (): number => this.rng.uniform() * 0.1 - 0.05;
    this.s = { x: u(), xDot: u(), theta: u(), thetaDot: u(), t: 0, over: 'running' };
    return this.observation();
  }

  step(action: number | Float32Array): StepResult {
    if (this.s.over !== 'running') throw new EpisodeOverError(this.id, this.s.over);
    const a = parseDiscreteAction(action, 2, this.id);
    const P = CARTPOLE_PHYSICS;
    const { x, xDot, theta, thetaDot } = this.s;
    const totalMass = P.massCart + P.massPole;
    const poleMassLength = P.massPole * P.length;
    const force = a === 1 ? P.forceMag : -P.forceMag;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + poleMassLength * thetaDot * thetaDot * sin) / totalMass;
    const thetaAcc = (P.gravity * sin - cos * temp) / (P.length * (4.0 / 3.0 - (P.massPole * cos * cos) / totalMass));
    const xAcc = temp - (poleMassLength * thetaAcc * cos) / totalMass;
    // Explicit Euler, positions first from the old velocities, as Gym's 'euler' integrator.
    const next = {
      x: x + P.tau * xDot,
      xDot: xDot + P.tau * xAcc,
      theta: theta + P.tau * thetaDot,
      thetaDot: thetaDot + P.tau * thetaAcc,
    };
    const t = this.s.t + 1;
    const terminated =
      next.x < -P.xThreshold || next.x > P.xThreshold || next.theta < -P.thetaThreshold || next.theta > P.thetaThreshold;
    const truncated = !terminated && t >= this.config.maxEpisodeSteps;
    this.s = { ...next, t, over: terminated ? 'terminated' : truncated ? 'truncated' : 'running' };
    return { observation: this.observation(), reward: 1, terminated, truncated, performance: null };
  }

  saveState(): CartpoleState {
    return { env: 'cartpole', ...this.s, rng: this.rng.state(), maxEpisodeSteps: this.config.maxEpisodeSteps };
  }

  restoreState(state: Record<string, unknown>): void {
    const s = parseInput(CartpoleState, state, 'cartpole state');
    this.config = { ...this.config, maxEpisodeSteps: s.maxEpisodeSteps };
    this.s = { x: s.x, xDot: s.xDot, theta: s.theta, thetaDot: s.thetaDot, t: s.t, over: s.over };
    this.rng = SeededRng.fromState(s.rng);
  }

  private observation(): Float32Array {
    return Float32Array.of(this.s.x, this.s.xDot, this.s.theta, this.s.thetaDot);
  }
}
