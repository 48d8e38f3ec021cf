import type { ChartSpec } from '../charts/chart-spec.js';
import type { AuditContext } from './audit-context.js';
import type { AuditOutcome, AuditProjection } from './audit-types.js';
import type { ReferenceReward } from './reference-reward.js';
import type { ReDecideUnderReference } from './reward-divergence-audit.js';

/** What the caller of `auditRun` can hand every audit; each audit takes what it needs. */
export interface AuditInputs {
  /** Reference reward; null = the run's performance signal where it has one. */
  readonly reference: ReferenceReward | null;
  /** Re-decide a decision under the reference reward (the replay module provides it). */
  readonly reDecide?: ReDecideUnderReference;
}

/**
 * One audit as a value, like an event-store projection definition: how to build its projection
 * over a run, and how to present its result. `auditRun`, the text report, the HTML report and the
 * viewer iterate the registry (audits.ts); none of them names a check.
 */
export interface AuditDefinition<N extends string = string, K extends string = string, R extends AuditOutcome = AuditOutcome> {
  /** The name `--check` takes. */
  readonly name: N;
  /** The key of its result in JSON output, snake_case like every other JSON field. */
  readonly key: K;
  /** Whether the audit needs a discount (returns are discounted); auditRun refuses to run it without one. */
  readonly needsGamma: boolean;
  /** A heading for reports, and what the audit compares. */
  readonly title: string;
  subtitle(result: R): string;
  /** Builds the projection that sees every decision of the run once. */
  create(ctx: AuditContext, inputs: AuditInputs): AuditProjection<R>;
  /** The key figures, for the summary tables (joined on one line). */
  summary(result: R): string[];
  /** The rest of the text report, as lines after the verdict's reasons (the caller indents them). */
  details(result: R): string[];
  /** The charts of the HTML report and the viewer, as data. */
  charts(result: R): ChartSpec[];
}
