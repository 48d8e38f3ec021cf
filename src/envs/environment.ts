import { z } from 'zod';

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

/** A dm_env-style environment. All randomness comes from the seed given to `reset`. */
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
}
