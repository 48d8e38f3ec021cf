import { InvalidInputError } from '../errors/flightrec-error.js';
import { readDecisions } from '../store/decision-stream.js';
import type { EventStore } from '../store/event-store.js';
import { readRunOrigin, type RunOrigin } from '../store/run-origin.js';
import { readAuditContext, type AuditContext } from './audit-context.js';
import { auditsNamed, CHECK_NAMES, type AuditChecks, type CheckName } from './audits.js';
import type { AuditOutcome, AuditProjection, Verdict } from './audit-types.js';
import { DecisionView } from './decision-view.js';
import type { ReferenceReward } from './reference-reward.js';
import type { ReDecideUnderReference } from './reward-divergence-audit.js';
import { worst } from './thresholds.js';

export interface AuditOptions {
  /** Which audits; all by default. */
  checks?: readonly CheckName[];
  /** Discount used when the run config has no agent.gamma. */
  gamma?: number;
  /** Reference reward; null or absent = the run's performance signal where it has one. */
  reference?: ReferenceReward | null;
  /** Extension point: re-decide a decision under the reference reward (the replay module provides it). */
  reDecide?: ReDecideUnderReference;
  /** Called every 500 decisions with the count so far. */
  onProgress?: (decisions: number) => void;
}

export interface AuditReport {
  run: string;
  env: string | null;
  gamma: number | null;
  gamma_source: AuditContext['gammaSource'];
  decisions: number;
  /** Episodes the decisions belong to (for an open-loop run: of its source run; it has no episodes of its own). */
  episodes: number;
  /** How the run came to be (training, or a replay and what it changed) and, for a derived run, its source. */
  kind: RunOrigin['kind'];
  overrides: string[];
  source_run: string | null;
  /** Worst verdict over the checks run (not_available only when none could be judged). */
  verdict: Verdict;
  checks: AuditChecks;
}

/**
 * Feeds every decision of a run to the projections in one pass, telling them where episodes end
 * unfinished (the next decision is in another episode, or the run stops mid-episode).
 */
export async function runProjections(store: EventStore, run: string, ctx: AuditContext, audits: readonly AuditProjection[], onProgress?: (decisions: number) => void): Promise<{ decisions: number; episodes: number }> {
  let decisions = 0;
  let episodes = 0;
  let open: number | null | undefined; // episode of the last decision while it has not ended
  // Episodes are counted by their number, not by projections' ends: an open-loop run re-decides
  // each decision alone (no outcome, so each "ends"), yet its decisions belong to the source's episodes.
  let last: { episode: number | null; ended: boolean } | null = null;
  const abandon = async () => {
    for (const a of audits) await a.abandonEpisode();
    open = undefined;
  };
  for await (const record of readDecisions(store, run)) {
    const view = new DecisionView(record, ctx.roleNames, ctx.plannerGamma);
    if (open !== undefined && view.episode !== open) await abandon();
    if (last === null || last.ended || view.episode !== last.episode) episodes++;
    open = view.episode;
    for (const a of audits) await a.observe(view);
    decisions++;
    if (onProgress && decisions % 500 === 0) onProgress(decisions);
    const out = view.outcome;
    last = { episode: view.episode, ended: out !== null && (out.terminated || out.truncated) };
    if (out === null) await abandon();
    else if (out.terminated || out.truncated) open = undefined;
  }
  if (open !== undefined) await abandon();
  return { decisions, episodes };
}

/**
 * Runs the audits over a run in one pass of its decisions (readDecisions streams them, so memory
 * does not grow with the run). Throws NotFoundError for an unknown run and InvalidInputError when
 * an audit needs a discount the run config does not give and the caller did not pass.
 */
export async function auditRun(store: EventStore, run: string, options: AuditOptions = {}): Promise<AuditReport> {
  const checks = options.checks ?? CHECK_NAMES;
  const ctx = await readAuditContext(store, run, options.gamma === undefined ? {} : { gamma: options.gamma });
  const definitions = auditsNamed(checks);
  const needing = definitions.filter((d) => d.needsGamma).map((d) => d.name);
  if (ctx.gamma === null && needing.length > 0) {
    throw new InvalidInputError(`run ${run} records no discount (run.started discount) and the ${needing.join(', ')} audit${needing.length > 1 ? 's need' : ' needs'} one: pass --gamma <γ>`, { field: '--gamma', value: null });
  }
  const inputs = { reference: options.reference ?? null, ...(options.reDecide ? { reDecide: options.reDecide } : {}) };
  const audits: AuditProjection[] = definitions.map((d) => d.create(ctx, inputs));
  const { decisions, episodes } = await runProjections(store, run, ctx, audits, options.onProgress);
  const result: Record<string, AuditOutcome> = {};
  for (const [i, d] of definitions.entries()) result[d.key] = await audits[i]!.finish();
  const origin = await readRunOrigin(store, run);
  const source = (await store.getRun(run)).source_run;
  return { run, env: ctx.env, gamma: ctx.gamma, gamma_source: ctx.gammaSource, decisions, episodes, kind: origin.kind, overrides: origin.overrides, source_run: source, verdict: worst(Object.values(result).map((o) => o.verdict)), checks: result as AuditChecks };
}
