import type { Json } from '../events/common-schemas.js';
import { f32, type Tensor } from '../events/tensor.js';
import type { StepResult } from '../envs/environment.js';
import type { AnyComponent, Component, ComponentCheckpoint } from '../agent/components.js';
import type { ComponentUpdate, LearnedBatch } from '../agent/learning-sink.js';
import { derivedBatchHash } from '../events/derived-batch-hash.js';
import type { EventRef } from './batching-options.js';
import { actionPayload, instrument } from './instrument.js';

/** Where the agent is: the envelope fields every event of the current decision carries. */
export interface Position {
  episode: number | null;
  step: number | null;
  decision: number | null;
  /** seq of decision.started while a decision is open. */
  decisionSeq: number | null;
}

/** Where an AgentRecorder's events go: a RecordingRun, or an in-memory capture during replay. */
export interface EventSink {
  /** Validates and records an event synchronously; returns where it was put. */
  append(event: unknown): EventRef;
}

/**
 * Records an agent's life into a run: episodes, decisions, env steps, updates, checkpoints.
 * Components wrapped by `wrap` record their own calls while a decision is open, so the agent's
 * code never emits events by hand.
 */
export class AgentRecorder {
  readonly position: Position = { episode: null, step: null, decision: null, decisionSeq: null };
  private nextDecision: number;

  constructor(readonly run: EventSink, firstDecision = 0) {
    this.nextDecision = firstDecision;
  }

  /** Positions the recorder inside an existing episode/decision (replay re-runs decisions out of order). */
  enterDecision(episode: number | null, step: number | null, decision: number, decisionSeq: number): void {
    this.position.episode = episode;
    this.position.step = step;
    this.position.decision = decision;
    this.position.decisionSeq = decisionSeq;
  }

  leaveDecision(): void {
    this.position.decision = null;
    this.position.decisionSeq = null;
  }

  /** An instrumented twin of `component`: same interface, each call recorded as its role's event. */
  wrap<C extends AnyComponent>(component: C): C {
    return instrument(component, this);
  }

  episodeStarted(episode: number, envSeed: number, observation: Float32Array, envState: Json | null): EventRef {
    this.position.episode = episode;
    this.position.step = 0;
    this.position.decision = null;
    this.position.decisionSeq = null;
    return this.run.append({ type: 'episode.started', episode, step: 0, payload: { env_seed: envSeed, observation: f32(observation), env_state: envState } });
  }

  /** Opens a decision at the current step; returns its id (unique in the run, from 0). */
  decisionStarted(step: number, observation: Float32Array, rngState: string, components: readonly Component[], envState: Json | null, decisionId?: number, plannerCarry?: Tensor | null): number {
    const decision = decisionId ?? this.nextDecision;
    this.nextDecision = decision + 1;
    this.position.step = step;
    this.position.decision = decision;
    const versions: Record<string, string> = {};
    for (const c of components) versions[c.name] = c.version();
    const ref = this.run.append({
      type: 'decision.started',
      episode: this.position.episode,
      step,
      decision,
      // The carry key is left out when there is none: beam runs stay byte-identical to older ones.
      payload: { observation: f32(observation), rng_state: rngState, versions, env_state: envState, ...(plannerCarry ? { planner_carry: plannerCarry } : {}) },
    });
    this.position.decisionSeq = ref.seq;
    return decision;
  }

  /** The real outcome of the open decision; closes it. */
  envStepped(action: number | Float32Array, result: StepResult): EventRef {
    const ref = this.run.append({
      type: 'env.stepped',
      episode: this.position.episode,
      step: this.position.step,
      decision: this.position.decision,
      parent: this.position.decisionSeq,
      payload: {
        action: actionPayload(action),
        observation: f32(result.observation),
        reward: result.reward,
        terminated: result.terminated,
        truncated: result.truncated,
        performance: result.performance,
      },
    });
    this.position.decision = null;
    this.position.decisionSeq = null;
    return ref;
  }

  episodeEnded(summary: { return: number; discountedReturn: number; performanceReturn: number | null; length: number; reason: 'terminated' | 'truncated' | 'aborted' }): EventRef {
    const ref = this.run.append({
      type: 'episode.ended',
      episode: this.position.episode,
      step: summary.length,
      payload: { return: summary.return, discounted_return: summary.discountedReturn, performance_return: summary.performanceReturn, length: summary.length, reason: summary.reason },
    });
    this.position.step = null;
    return ref;
  }

  /**
   * A batch the learner names a recipe for is stored by reference: the events, the recipe, the
   * tensors' shapes and their hash (the rebuild derives them again and compares), not the tensors.
   */
  componentUpdated(component: Component, update: ComponentUpdate, learned: LearnedBatch, hyper: Json): EventRef {
    const batch =
      learned.recipe === undefined
        ? { events: learned.events, tensors: learned.tensors }
        : { events: learned.events, recipe: learned.recipe, shapes: Object.fromEntries(Object.entries(learned.tensors).map(([k, t]) => [k, t.shape])), derived_hash: derivedBatchHash(learned.tensors) };
    return this.run.append({
      type: 'component.updated',
      episode: this.position.episode,
      step: this.position.step,
      component: component.name,
      version: update.toVersion,
      payload: { from_version: update.fromVersion, to_version: update.toVersion, update: update.index, loss: update.loss, grad_norm: update.gradNorm, batch, hyper },
    });
  }

  targetsComputed(component: Component, events: number[], targets: Float32Array, computedWith: string): EventRef {
    return this.run.append({
      type: 'component.targets',
      episode: this.position.episode,
      step: this.position.step,
      component: component.name,
      version: computedWith,
      payload: { events, targets: f32(targets), computed_with: computedWith },
    });
  }

  checkpointSaved(component: Component, update: number, checkpoint: ComponentCheckpoint): EventRef {
    return this.run.append({
      type: 'checkpoint.saved',
      episode: this.position.episode,
      step: this.position.step,
      component: component.name,
      version: component.version(),
      payload: {
        update,
        architecture: checkpoint.architecture,
        parameters: f32(checkpoint.parameters),
        optimizer_state: checkpoint.optimizerState === null ? null : f32(checkpoint.optimizerState),
      },
    });
  }

  /** Envelope for a component call inside the open decision, or null outside decisions (not recorded). */
  callEnvelope(component: Component, parent: number | null = null): { episode: number | null; step: number | null; decision: number; component: string; version: string; parent: number | null } | null {
    if (this.position.decision === null) return null;
    return {
      episode: this.position.episode,
      step: this.position.step,
      decision: this.position.decision,
      component: component.name,
      version: component.version(),
      parent: parent ?? this.position.decisionSeq,
    };
  }
}


