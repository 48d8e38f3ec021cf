import type { Role } from '../events/event-type.js';
import type { Tensor } from '../events/tensor.js';
import type { SeededRng } from '../random/seeded-rng.js';

/**
 * The five labelled roles of a model-based agent (docs/design.md, "The agent contract"). Inputs and outputs are recorded
 * tensors ({dtype, shape, data}) so that what a component sees and says is exactly what the log
 * holds; batched calls take [N, ...] tensors. State and randomness are passed in explicitly:
 * a component's output depends only on its parameters (its version) and its arguments.
 */
export interface Component {
  /** Unique within a run; events name their component by it. */
  readonly name: string;
  readonly role: Role;
  /** Implementation, e.g. 'mlp-critic' or a user's own label. */
  readonly kind: string;
  /** Content hash of the parameters in effect; equal parameters give equal versions across runs. */
  version(): string;
}

/** Parameters (and optimiser state) of a component at one version. */
export interface ComponentCheckpoint {
  architecture: string;
  parameters: Float32Array;
  optimizerState: Float32Array | null;
}

/** A component whose parameters can be saved and restored (a checkpoint in the store). */
export interface Checkpointable {
  saveCheckpoint(): ComponentCheckpoint;
  /** Restores parameters and optimiser state exactly; throws InvalidInputError when the architecture differs. */
  loadCheckpoint(checkpoint: ComponentCheckpoint): void;
}

/** Predicts the next state (and whether the episode ends) from state and action. */
export interface WorldModel extends Component {
  readonly role: 'world_model';
  /**
   * states float32 [N, obs], actions int32 [N] (discrete) or float32 [N, A] (continuous) → next
   * states float32 [N, obs], done probabilities float32 [N] (or null).
   */
  predict(states: Tensor, actions: Tensor): { nextStates: Tensor; done: Tensor | null };
}

/** The signal the agent is trained on (possibly a proxy for what we value). */
export interface RewardFunction extends Component {
  readonly role: 'reward';
  /** Reward of each transition, float32 [N]; actions as for WorldModel.predict; `nextStates` may be null when the function does not need it. */
  evaluate(states: Tensor, actions: Tensor, nextStates: Tensor | null): Tensor;
}

/** Estimates the return from a state. */
export interface Critic extends Component {
  readonly role: 'critic';
  /** states float32 [N, obs] → values float32 [N]. */
  evaluate(states: Tensor): Tensor;
}

/** A diagonal Gaussian over continuous actions, one row per state. */
export interface GaussianProposal {
  /** float32 [N, A]. */
  mean: Tensor;
  /** float32 [N, A], positive. */
  std: Tensor;
}

/** Proposes a distribution over actions. */
export interface Actor extends Component {
  readonly role: 'actor';
  /**
   * states float32 [N, obs] → action probabilities float32 [N, A] for discrete actions, or a
   * Gaussian (mean and std [N, A]) for continuous ones.
   */
  propose(states: Tensor): Tensor | GaussianProposal;
}

/** True when an actor's proposal is a Gaussian over continuous actions rather than probabilities. */
export function isGaussian(p: Tensor | GaussianProposal): p is GaussianProposal {
  return 'mean' in p && 'std' in p;
}

/** The components a planner searches with; instrumented ones record each call. */
export interface PlanningComponents {
  worldModel: WorldModel;
  reward: RewardFunction;
  critic: Critic;
  actor: Actor;
}

/** One level of a search, as recorded in planner.expanded. */
export interface SearchLevel {
  depth: number;
  actions: Tensor;
  parents: Tensor | null;
  states: Tensor | null;
  rewards: Tensor | null;
  leafValues: Tensor | null;
  scores: Tensor;
  expanded: number[];
  chosen: number[];
}

/** What a planner decided, with the evidence. */
export interface PlanResult {
  /** A discrete action id, or a float32 vector inside the environment's action box. */
  action: number | Float32Array;
  /** First actions (or plans) considered, [K] (discrete) or [K, A] (continuous). */
  candidates: Tensor;
  /** Score of each candidate, [K]. */
  scores: Tensor;
  chosenIndex: number;
  /** The planner's value estimate of the chosen candidate. */
  value: number | null;
  /** The search, level by level. */
  search: SearchLevel[];
  /** The actor's proposal at the root, when the planner asked for one. */
  prior: Tensor | GaussianProposal | null;
  /**
   * What the next decision of the same episode starts from (MPPI's warm start: its plan shifted
   * by one step), or absent when the planner carries nothing. The harness hands it back as the
   * next DecisionPoint's `carry` and records it in that decision's decision.started, so a replay
   * of any one decision gets the same start.
   */
  carry?: Tensor | null;
  /**
   * The planner's own internals as events of a family the user registered (registerEventTypes):
   * decision-scoped types with role 'planner'. They are recorded after the search levels, and a
   * replay compares them when their type is replayable.
   */
  internals?: readonly PlannerInternal[];
}

/** One event of the planner's own, e.g. `{ type: 'mcts.tree', payload: { visits, … } }`. */
export interface PlannerInternal {
  readonly type: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Where in the run a decision is made (exploration schedules may depend on it). */
export interface DecisionPoint {
  episode: number;
  step: number;
  /** The previous decision's PlanResult.carry in this episode; absent or null at an episode's start. */
  carry?: Tensor | null;
}

/** Searches through the world model and chooses an action. */
export interface Planner extends Component {
  readonly role: 'planner';
  /** Plans from one observation (float32 [obs]); all randomness comes from `rng`. */
  plan(observation: Tensor, components: PlanningComponents, rng: SeededRng, at: DecisionPoint): PlanResult;
}

export type AnyComponent = WorldModel | RewardFunction | Critic | Actor | Planner;
