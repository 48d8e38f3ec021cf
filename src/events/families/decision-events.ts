import { z } from 'zod';
import { Action, AnyFloat, ComponentName, Count, Json, Rows, Version } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';
import { Tensor } from '../tensor.js';

/**
 * One deliberation at one env step. Every event of a decision carries its `decision` id; calls of
 * a batched component are one event each, holding [N, ...] tensors, never one event per row.
 */
export const DecisionStarted = defineEventType({
  type: 'decision.started',
  decisionScoped: true,
  payload: z.strictObject({
    observation: Tensor,
    /** State of the decision's random generator before any draw (SeededRng.state()). */
    rng_state: z.string().min(1).max(256),
    /** Version of every component in effect, by component name. */
    versions: z.record(ComponentName, Version.nullable()),
    /** The environment's state at this decision where it can save one (closed-loop replays start here). */
    env_state: Json.nullable(),
    /**
     * What the planner carried over from the previous decision (PlanResult.carry, e.g. MPPI's
     * shifted plan). Absent when it carries nothing, so runs of planners without a carry are
     * byte-identical to runs recorded before the field existed.
     */
    planner_carry: Tensor.optional(),
  }),
});

/** One level of the planner's search: N nodes or candidate plans, scored, some expanded further. */
export const PlannerExpanded = defineEventType({
  type: 'planner.expanded',
  decisionScoped: true,
  replayable: true,
  role: 'planner',
  payload: z.strictObject({
    depth: Count,
    /** Action sequences from the root, [N, depth+1] for discrete actions. */
    actions: Tensor,
    /** Row of each node's parent in the previous level (tree search), or null for independent plans. */
    parents: Tensor.nullable(),
    /** Imagined state reached by each node, [N, obs]. */
    states: Tensor.nullable(),
    /** Imagined reward of each node's last step, [N]. */
    rewards: Tensor.nullable(),
    /** Critic value at each node's state (leaf value), [N]. */
    leaf_values: Tensor.nullable(),
    /** The planner's score of each node (e.g. discounted imagined return + γ^d·leaf value), [N]. */
    scores: Tensor,
    expanded: Rows,
    chosen: Rows,
  }),
});

export const WorldModelPredicted = defineEventType({
  type: 'world_model.predicted',
  decisionScoped: true,
  replayable: true,
  role: 'world_model',
  inputs: ['states', 'actions'],
  outputs: ['rewards', 'done', 'next_states'],
  deltas: [{ stat: 'world_model.next_states', field: 'next_states', measure: 'elementwise' }],
  payload: z.strictObject({
    states: Tensor,
    actions: Tensor,
    next_states: Tensor,
    rewards: Tensor.nullable(),
    /** Predicted probability that each transition ends the episode, [N]. */
    done: Tensor.nullable(),
  }),
});

export const RewardEvaluated = defineEventType({
  type: 'reward.evaluated',
  decisionScoped: true,
  replayable: true,
  role: 'reward',
  inputs: ['states', 'actions', 'next_states'],
  outputs: ['rewards'],
  deltas: [{ stat: 'reward.rewards', field: 'rewards', measure: 'elementwise' }],
  payload: z.strictObject({
    states: Tensor,
    actions: Tensor,
    next_states: Tensor.nullable(),
    rewards: Tensor,
  }),
});

export const CriticEvaluated = defineEventType({
  type: 'critic.evaluated',
  decisionScoped: true,
  replayable: true,
  role: 'critic',
  inputs: ['states'],
  outputs: ['values'],
  deltas: [
    { stat: 'critic.root_value', field: 'values', measure: 'first_element' },
    { stat: 'critic.values', field: 'values', measure: 'elementwise' },
  ],
  payload: z.strictObject({
    states: Tensor,
    values: Tensor,
  }),
});

export const ActorProposed = defineEventType({
  type: 'actor.proposed',
  decisionScoped: true,
  replayable: true,
  role: 'actor',
  inputs: ['states'],
  outputs: ['probs', 'mean', 'std'],
  deltas: [{ stat: 'actor.kl', field: 'probs', measure: 'row_kl' }],
  payload: z.strictObject({
    states: Tensor,
    /** Action probabilities [N, A] for discrete actions. */
    probs: Tensor.nullable(),
    /** Mean and standard deviation [N, A] for continuous actions. */
    mean: Tensor.nullable(),
    std: Tensor.nullable(),
  }),
});

export const ActorChose = defineEventType({
  type: 'actor.chose',
  decisionScoped: true,
  replayable: true,
  role: 'actor',
  deltas: [
    { stat: 'planner.top_candidate', field: 'scores', measure: 'argmax' },
    { stat: 'planner.chosen_value', field: 'value', measure: 'scalar' },
  ],
  payload: z.strictObject({
    action: Action,
    /** The candidates the decision considered (first actions or plans), [K, ...]. */
    candidates: Tensor,
    /** Score of each candidate, [K]; the chosen one is `chosen_index`. */
    scores: Tensor,
    chosen_index: Count,
    /** The decision's estimate of the chosen action's value, where it has one. */
    value: AnyFloat.nullable(),
    /** Which component made the final choice (a planner, or the actor itself). */
    chooser: ComponentName,
  }),
});
