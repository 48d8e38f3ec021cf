import type { DecisionView } from './decision-view.js';

/** pass / warn / fail against the thresholds table; not_available when the run lacks what the audit needs. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'not_available';

/** Why a verdict is what it is: one rule per judged figure. */
export interface VerdictReason {
  /** Figure the rule judges, as named in the result (e.g. 'final.explained_variance'). */
  readonly metric: string;
  readonly value: number | null;
  readonly verdict: Verdict;
  /** One line for people, e.g. "explained variance 0.31 < 0.5". */
  readonly message: string;
}

/** A decision that drives a verdict, with the figure that makes it stand out. */
export interface DrivingDecision {
  readonly decision: number;
  readonly episode: number | null;
  readonly step: number | null;
  /** What about it, e.g. "regret 0.41" or "|V − G| = 2.3". */
  readonly why: string;
  readonly value: number;
}

/** What every audit returns, beside its own figures. */
export interface AuditOutcome {
  readonly verdict: Verdict;
  readonly reasons: readonly VerdictReason[];
  /** The decisions that drive the verdict, most telling first (open with `flightrec show <run> <decision>`). */
  readonly decisions: readonly DrivingDecision[];
  /** Why figures are missing, when some are (e.g. "the run records no world_model.predicted events"). */
  readonly notes: readonly string[];
}

/**
 * An audit as a projection over a run's decisions: `observe` is called once per decision in
 * run order, `abandonEpisode` when an episode ends without terminating or truncating (the run
 * stopped, or the next decision belongs to another episode), `finish` once at the end. State
 * kept between calls must be bounded independently of the run's length.
 */
export interface AuditProjection<R extends AuditOutcome = AuditOutcome> {
  observe(view: DecisionView): void | Promise<void>;
  abandonEpisode(): void | Promise<void>;
  finish(): R | Promise<R>;
}
