import type { LearningSink } from './learning-sink.js';

/** One real transition, as the environment produced it after the agent acted. */
export interface Transition {
  observation: Float32Array;
  action: number | Float32Array;
  reward: number;
  nextObservation: Float32Array;
  terminated: boolean;
  truncated: boolean;
  /** seq of the recorded env.stepped event, or -1 when nothing is recorded. */
  envSeq: number;
  /** The planner's scores of its candidates at this decision (some learners distil them). */
  scores: ArrayLike<number>;
}

/**
 * How an agent learns online. Every update it makes goes to the sink, with the batch it learned
 * on, so that replay can re-apply it (Trainable). A frozen agent has no learner.
 */
export interface Learner {
  /** Before the first episode: save the checkpoints later versions are rebuilt from. */
  start(sink: LearningSink): void;
  /** After every environment step. */
  observe(transition: Transition, sink: LearningSink): void;
  /** After an episode's last step. */
  endEpisode(terminated: boolean, sink: LearningSink): void;
  /**
   * After the last episode: save what a replay would otherwise rebuild update by update (the
   * final parameters, when the last update was not checkpointed). Optional: a learner without it
   * leaves the final version to be rebuilt from its last checkpoint.
   */
  finish?(sink: LearningSink): void;
}
