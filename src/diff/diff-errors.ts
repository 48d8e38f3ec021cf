import { FlightrecError } from '../errors/flightrec-error.js';

/**
 * A run whose decisions are not in (episode, step) order in seq order (or that has two decisions
 * at one step): a merge-join would misalign it silently, so the diff refuses it.
 */
export class RunOrderError extends FlightrecError {
  constructor(run: string, previous: string, next: string, seq: number) {
    super(
      'RUN_NOT_ORDERED',
      `run ${run} is not ordered by (episode, step): the event at seq ${seq} is at ${next}, after ${previous}; diff aligns decisions by (episode, step) and needs them in that order, each step once`,
      { run, previous, next, seq, hint: 'diff runs recorded one decision at a time, such as training runs and replays' },
    );
  }
}

/** A decision whose decision.started has no episode or step, so it cannot be aligned. */
export class UnlocatedDecisionError extends FlightrecError {
  constructor(run: string, decision: number, seq: number) {
    super('DECISION_NOT_LOCATED', `run ${run}: decision ${decision} (seq ${seq}) has no episode or step, so it cannot be aligned by (episode, step)`, { run, decision, seq });
  }
}
