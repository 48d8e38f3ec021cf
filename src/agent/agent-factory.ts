import type { ActionSpec, ObservationSpec } from '../envs/environment.js';
import type { BackendInfo } from '../events/families/run-events.js';
import type { Json } from '../events/common-schemas.js';
import type { Role } from '../events/event-type.js';
import type { Actor, AnyComponent, Critic, Planner, RewardFunction, WorldModel } from './components.js';
import type { Learner } from './learner.js';

/** The five labelled components of an agent. */
export interface AgentComponents {
  worldModel: WorldModel;
  reward: RewardFunction;
  critic: Critic;
  actor: Actor;
  planner: Planner;
}

/** Which field of AgentComponents holds each role. */
export const ROLE_FIELD = { world_model: 'worldModel', reward: 'reward', critic: 'critic', actor: 'actor', planner: 'planner' } as const satisfies Record<Role, keyof AgentComponents>;

export function componentsList(c: AgentComponents): AnyComponent[] {
  return [c.worldModel, c.reward, c.critic, c.actor, c.planner];
}

/** What a factory is given: what run.started recorded, and the environment's specs when it is a built-in one. */
export interface AgentBuildContext {
  /** The environment id the run recorded. */
  env: string;
  /** Null when the environment is not one flightrec knows (the agent then needs no specs, or carries its own). */
  observationSpec: ObservationSpec | null;
  actionSpec: ActionSpec | null;
  /** run.started's `config`, as recorded. */
  config: Json;
  /** run.started's `seed`: initial parameters must come from it alone. */
  seed: number | null;
  /** The discount the run recorded (run.started `discount`). */
  discount: number | null;
}

/** A built agent: its components at their initial versions, how it learns, and what it computes on. */
export interface BuiltAgent {
  components: AgentComponents;
  /** Online learning, for training runs; replay never calls it (it re-applies recorded updates instead). */
  learner: Learner | null;
  /** The numeric backend, recorded with the run: exact reproduction is promised per backend. */
  backend: BackendInfo | null;
  /** Releases what the components hold (tensors, processes). */
  dispose(): void;
}

/**
 * Builds a run's agent. A run records which factory built it (run.started `agent`:
 * 'flightrec/reference', 'module:<path>'), and replay asks that factory again — it knows agents
 * through this interface only.
 *
 * `create` must be deterministic: the same context gives components whose `version()`s equal
 * the ones run.started recorded. Components that learn implement Checkpointable and Trainable
 * (src/agent/trainable.ts); a planner that takes `--set` settings implements ConfigurablePlanner.
 */
export interface AgentFactory {
  create(context: AgentBuildContext): BuiltAgent | Promise<BuiltAgent>;
}
