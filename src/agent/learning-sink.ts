import type { Json } from '../events/common-schemas.js';
import type { Tensor } from '../events/tensor.js';
import type { Component, ComponentCheckpoint } from './components.js';

/** One parameter update of a component, as its learner describes it. */
export interface ComponentUpdate {
  fromVersion: string;
  toVersion: string;
  /** Updates applied to this component so far, this one included. */
  index: number;
  loss: number;
  gradNorm: number;
}

/**
 * What a learning update consumed: the seqs of the events its data came from and the tensors it
 * learned on. `Trainable.applyUpdate` receives exactly this back from the log.
 */
export interface UpdateBatch {
  events: number[];
  tensors: Record<string, Tensor>;
}

/**
 * An update's batch as a learner hands it to the sink. With `recipe`, the learner promises that the
 * tensors are derived again, bit for bit, by that recipe (replay/batch-recipes.ts) from the events
 * `events` names: a recorder then stores the recipe and the tensors' hash instead of the tensors.
 */
export interface LearnedBatch extends UpdateBatch {
  recipe?: string;
}

/**
 * Where a learner hands its updates and checkpoints. The agent knows no recorder: the harness
 * passes one that records (flightrec's AgentRecorder is one), or a sink that drops everything.
 */
export interface LearningSink {
  /** One update that moved `component` from `update.fromVersion` to `update.toVersion`. */
  componentUpdated(component: Component, update: ComponentUpdate, batch: LearnedBatch, hyper: Json): unknown;
  /**
   * Targets the learner computed once for rows of `component` (TD(λ) returns), one per env.stepped
   * seq in `events`, with `computedWith` the version of the component that computed them. Optional:
   * a sink without it cannot have batches that use such targets recorded by reference.
   */
  targetsComputed?(component: Component, events: number[], targets: Float32Array, computedWith: string): unknown;
  /** The component's parameters at its current version, `update` updates in. */
  checkpointSaved(component: Component, update: number, checkpoint: ComponentCheckpoint): unknown;
}

/** A sink for runs that are not recorded (recording off, evaluation). */
export const DISCARD_LEARNING: LearningSink = {
  componentUpdated: () => undefined,
  checkpointSaved: () => undefined,
  targetsComputed: () => undefined,
};
