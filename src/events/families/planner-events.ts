import { z } from 'zod';
import { AnyFloat, Count, Rows } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';
import { Tensor } from '../tensor.js';

/**
 * One iteration of a sampling planner (MPPI, or CEM as its setting) over continuous actions: the
 * distribution it refitted, the elites it refitted it to with their scores, and how many samples
 * came from the actor. The full sample tensors are recorded under the planner's recording policy
 * (every decision, every Nth, or never); everything else is recorded always. The last iteration
 * of a decision also holds the final choice.
 */
export const PlannerIterated = defineEventType({
  type: 'planner.iterated',
  decisionScoped: true,
  replayable: true,
  role: 'planner',
  outputs: ['mean', 'std', 'elite_scores', 'chosen_action'],
  payload: z.strictObject({
    /** 0-based iteration within the decision. */
    iteration: Count,
    method: z.enum(['mppi', 'cem']),
    /** Action sequences scored this iteration; rows [0, from_actor) were rolled out by the actor. */
    samples: Count,
    from_actor: Count,
    /** The sampling distribution before this iteration, [H, A] (iteration 0: the warm start). */
    prior_mean: Tensor,
    prior_std: Tensor,
    /** The distribution refitted to the elites, [H, A]; std clamped to the planner's bounds. */
    mean: Tensor,
    std: Tensor,
    /** Rows of the elites among the samples, best first, their scores [E] and refit weights [E]. */
    elites: Rows,
    elite_scores: Tensor,
    elite_weights: Tensor,
    /** Every sample's action sequence [N, H, A] and score [N], or null when the policy left them out. */
    sample_actions: Tensor.nullable(),
    sample_scores: Tensor.nullable(),
    /** Last iteration only: the elite drawn (its position in `elites`) and the action sent to the environment. */
    chosen_elite: Count.nullable(),
    chosen_action: Tensor.nullable(),
    /** Last iteration only: the chosen elite's score. */
    chosen_score: AnyFloat.nullable(),
  }),
});
