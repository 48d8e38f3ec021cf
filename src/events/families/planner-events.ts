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

/**
 * One whole Monte Carlo tree search over discrete actions (PUCT with the actor's prior, the critic
 * at the leaves), as one event holding the tree as arrays indexed by node, node 0 the root, in the
 * spirit of mctx's `Tree`: never one event per simulation. Each expansion of a node evaluated all
 * its children at once, so a node exists (with its reward, discount, raw value and prior) as soon
 * as its parent was expanded; `visits` says how often a simulation went through it.
 */
export const PlannerSearched = defineEventType({
  type: 'planner.searched',
  decisionScoped: true,
  replayable: true,
  role: 'planner',
  outputs: ['visits', 'values'],
  payload: z.strictObject({
    method: z.literal('puct'),
    /** Simulations run (each one selected a path by PUCT and expanded the node it ended at). */
    simulations: Count,
    /** Node of each node's parent, int32 [N]; −1 at the root. */
    parents: Tensor,
    /** Action from the parent to each node, int32 [N]; −1 at the root. */
    actions: Tensor,
    /** Simulations through each node, int32 [N]. */
    visits: Tensor,
    /** Mean backed-up value of each node, float32 [N]; its raw value while unvisited. */
    values: Tensor,
    /** The critic at each node's imagined state, float32 [N]. */
    raw_values: Tensor,
    /** The prior of the action from the parent (the actor's, noise mixed in at the root), float32 [N]; 1 at the root. */
    priors: Tensor,
    /** Imagined reward of the transition from the parent, float32 [N]; 0 at the root. */
    rewards: Tensor,
    /** γ · (1 − predicted done) of that transition, float32 [N]; 1 at the root. */
    discounts: Tensor,
    /** The Dirichlet draw mixed into the root's prior, float32 [A], or null when no noise was added. */
    root_noise: Tensor.nullable(),
    /** The most visited path from the root (node ids, root first): the plan the search prefers. */
    chosen_path: Rows,
    /** The action sent to the environment and whether ε-exploration replaced the most visited one. */
    chosen_action: Count,
    explored: z.boolean(),
  }),
});
