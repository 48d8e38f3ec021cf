import { z } from 'zod';
import type { TransitionTable } from './transition-table.js';

/**
 * What an environment's observations look like. Observations are always delivered as a
 * Float32Array of `product(shape)` values; `dtype: 'int32'` says they are integer-valued.
 * `low`/`high`/`names`, when present, have one entry per element (JSON has no ±Infinity, so an
 * unbounded observation omits its bounds instead of writing them).
 */
export const ObservationSpec = z
  .strictObject({
    shape: z.array(z.int().positive()),
    dtype: z.enum(['float32', 'int32']),
    low: z.array(z.number()).optional(),
    high: z.array(z.number()).optional(),
    names: z.array(z.string()).optional(),
  })
  .superRefine((spec, ctx) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    for (const key of ['low', 'high', 'names'] as const) {
      const v = spec[key];
      if (v !== undefined && v.length !== size) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} has ${v.length} entries, the shape holds ${size}` });
      }
    }
  });
export type ObservationSpec = z.infer<typeof ObservationSpec>;

/** The actions an environment accepts: an index in [0, n) or a bounded float vector. */
export const ActionSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('discrete'),
    n: z.int().positive(),
    names: z.array(z.string()),
  }),
  z.strictObject({
    kind: z.literal('continuous'),
    shape: z.array(z.int().positive()),
    low: z.array(z.number()),
    high: z.array(z.number()),
  }),
]);
export type ActionSpec = z.infer<typeof ActionSpec>;

/** What one `step()` returns. */
export const StepResult = z.strictObject({
  /** The next observation; length is the spec's size, and it never carries `performance`. */
  // z.custom rather than z.instanceof, which would narrow to Float32Array<ArrayBuffer>.
  observation: z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array'),
  /** The reward the agent is trained on for this transition. */
  reward: z.number(),
  /** The episode reached a terminal state: there is no future to bootstrap from. */
  terminated: z.boolean(),
  /**
   * The step limit cut the episode short; the state still has a value. Never true together
   * with `terminated`: a step that does both reports `terminated` only.
   */
  truncated: z.boolean(),
  /**
   * The env's hidden performance signal for this transition — what the designer really values,
   * which the reward may only approximate — or null when the env has none. Audits compare it
   * with the reward; agents must never see it.
   */
  performance: z.number().nullable(),
});
export type StepResult = z.infer<typeof StepResult>;

/**
 * A JSON-serialisable snapshot from `saveState()`. Each env narrows this with its own schema;
 * it records the internal RNG state and the config that affects dynamics, so restoring it into a
 * fresh env of the same id continues bit for bit.
 */
export const EnvState = z.record(z.string(), z.unknown());
export type EnvState = z.infer<typeof EnvState>;

/**
 * An environment whose dynamics are a finite table: audits compute exact values (V^π) from it
 * instead of estimating them from returns.
 */
export interface TabularDynamics {
  readonly numStates: number;
  /** The exact MDP for the env's current config (after `restoreState`, the recorded one). */
  transitionTable(): TransitionTable;
  /** The observation an agent sees in a tabular state; observations are matched to states by it. */
  observationForState(state: number): Float32Array;
}

/** How the viewer draws an observation, when the env knows better than its observation names. */
export type ObservationPicture = { readonly kind: 'grid'; readonly layout: readonly string[] };

/** What an environment can say about its observations, for `show` and the viewer. */
export interface ObservationDescription {
  /** A real observation in the env's terms (the grid cell); null when nothing better than the vector. */
  describe(observation: ArrayLike<number>): string | null;
  /** An imagined (model-predicted) state in the env's terms, e.g. the nearest grid cell; null when not meaningful. */
  describeImagined(state: ArrayLike<number>): string | null;
  readonly picture?: ObservationPicture;
}

/**
 * A dm_env-style environment. All randomness comes from the seed given to `reset`. Beyond the
 * required members, an env declares what else it can do (`tabular`, `description`); shared code
 * asks for a capability, never for an env id or class.
 */
export interface Environment {
  /** Registry id of this environment ('gridworld', 'cartpole'); the same for every instance. */
  readonly id: string;
  /** Steps after which an episode is truncated; may change when `restoreState` adopts a state's config. */
  readonly maxEpisodeSteps: number;
  /** Shape, dtype and bounds of every observation; constant for the env's lifetime. */
  observationSpec(): ObservationSpec;
  /** The valid actions; constant for the env's lifetime. */
  actionSpec(): ActionSpec;
  /**
   * Starts a new episode, abandoning any running one, and returns its first observation.
   * The same seed always yields the same episode for the same actions.
   */
  reset(seed: number): Float32Array;
  /**
   * Advances one step. Throws EpisodeOverError (code 'EPISODE_OVER') when no episode is running
   * (before the first reset, or after termination or truncation) and InvalidInputError naming
   * the value for an action outside the spec; neither changes the env's state.
   */
  step(action: number | Float32Array): StepResult;
  /** A snapshot that, passed to `restoreState` of any env with this id, reproduces the future exactly. */
  saveState(): EnvState;
  /** Returns to a snapshot from `saveState` (possibly JSON round-tripped); InvalidInputError if malformed. */
  restoreState(state: EnvState): void;
  /** Present when the dynamics are a finite table. */
  readonly tabular?: TabularDynamics;
  /** Present when the env can name what an observation means beyond its observation names. */
  readonly description?: ObservationDescription;
}
