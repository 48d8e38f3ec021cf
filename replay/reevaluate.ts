import type { Component, Critic } from '../src/agent/components.js';
import type { PlannerSettingValue } from '../src/agent/planner-settings.js';
import { InvalidInputError } from '../src/errors/flightrec-error.js';
import type { Json } from '../src/events/common-schemas.js';
import { actionJson, actionsDiffer } from '../src/events/action-change.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import { AgentRecorder } from '../src/record/agent-recorder.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import type { EventStore } from '../src/store/event-store.js';
import { assembleAgent } from './assemble-agent.js';
import { decisionsInRange } from './decisions-in-range.js';
import { startDerivedRun } from './start-derived-run.js';
import type { SwapSpec } from './component-spec.js';
import { DecisionLog } from './decision-log.js';
import { decisionPointOf } from './decision-point.js';
import { logBackedComponents } from './log-backed-components.js';
import { PrefetchedCritic } from './prefetched-critic.js';
import { replayStream } from './replay-stream.js';
import type { RunContextOptions } from './run-context.js';

/** Decisions whose swapped-critic questions are batched together. */
const PREFETCH_DECISIONS = 256;

export interface ReevaluateOptions extends RunContextOptions {
  swaps: SwapSpec[];
  /** Planner settings to override, e.g. { horizon: 8 }. */
  plannerSettings?: Record<string, PlannerSettingValue>;
  episodes?: { from: number; to: number };
  /** Id for the derived run (default: a fresh one). */
  runId?: string;
  onDecision?: (done: number) => void;
}

export interface ChangedDecision {
  decision: number;
  episode: number | null;
  step: number | null;
  /** The action id, or the continuous action's elements. */
  action_before: number | number[];
  action_after: number | number[];
  value_before: number | null;
  value_after: number | null;
}

export interface ReevaluateReport {
  source_run: string;
  derived_run: string;
  decisions: number;
  flipped: number;
  flip_rate: number;
  mean_abs_delta_value: number | null;
  /** The decisions that changed most: flips first, then by |Δ value|. */
  most_changed: ChangedDecision[];
  /** Calls of unchanged components answered from the log vs computed (no wasted recomputation). */
  calls: Record<string, { reused: number; computed: number }>;
  /** For a swapped critic: calls answered from batched forward passes, calls computed alone, and forward passes in all. */
  swapped_critic: { prefetched: number; computed: number; forwardPasses: number } | null;
}

/**
 * Open-loop counterfactual: re-decides at every recorded state with some components swapped
 * or planner settings changed, everything else at the versions the source recorded, and the
 * recorded random state. The result is a new run in the same store, whose run.started names the
 * source and the overrides, so it can be listed, shown, audited and diffed like any run.
 * Unchanged components answer from the log when asked what they were asked then.
 */
export async function reevaluate(store: EventStore, sourceRun: string, options: ReevaluateOptions): Promise<ReevaluateReport> {
  if (options.swaps.length === 0 && Object.keys(options.plannerSettings ?? {}).length === 0) {
    throw new InvalidInputError('nothing to re-evaluate: give at least one --swap or --set (or use --verify to reproduce the run as recorded)', { field: '--swap' });
  }
  if (options.episodes !== undefined) await decisionsInRange(store, sourceRun, options.episodes);
  const agent = await assembleAgent(store, sourceRun, options);
  try {
    const { ctx, swapped, planner } = agent;
    const log = new DecisionLog();
    // With the world model answering from the log, a swapped critic's questions are known a block ahead: batch them.
    const prefetched = swapped.has('critic') && !swapped.has('world_model') ? new PrefetchedCritic(swapped.get('critic') as Critic) : null;
    if (prefetched !== null) swapped.set('critic', prefetched);
    const components = agent.with(logBackedComponents(store, ctx, agent.live, log));
    const all: Component[] = [components.worldModel, components.reward, components.critic, components.actor, planner];
    const derived = await startDerivedRun(store, agent, {
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      name: `open-loop replay of ${sourceRun}`,
      mode: 'open-loop',
      components: all,
      withVersions: false,
      overrides: { episodes: (options.episodes ?? null) as Json },
    });
    const ar = new AgentRecorder(derived);
    const use = { worldModel: ar.wrap(components.worldModel), reward: ar.wrap(components.reward), critic: ar.wrap(components.critic), actor: ar.wrap(components.actor) };
    const wrappedPlanner = ar.wrap(planner);
    const report: ReevaluateReport = { source_run: sourceRun, derived_run: derived.id, decisions: 0, flipped: 0, flip_rate: 0, mean_abs_delta_value: null, most_changed: [], calls: log.calls_by_component, swapped_critic: prefetched?.stats ?? null };
    let sumDelta = 0;
    let deltas = 0;
    const changed: ChangedDecision[] = [];
    try {
      const decide = (rec: DecisionRecord): void => {
        const chose = rec.chose!;
        log.set(rec);
        const episode = rec.episode ?? 0;
        const step = rec.step ?? 0;
        ar.position.episode = episode;
        ar.decisionStarted(step, rec.started.payload.observation.data as Float32Array, rec.started.payload.rng_state, all, rec.started.payload.env_state, rec.decision, rec.started.payload.planner_carry ?? null);
        const plan = wrappedPlanner.plan(rec.started.payload.observation, use, SeededRng.fromState(rec.started.payload.rng_state), decisionPointOf(rec));
        ar.leaveDecision();
        const before = chose.payload;
        const d: ChangedDecision = { decision: rec.decision, episode: rec.episode, step: rec.step, action_before: actionJson(before.action), action_after: actionJson(plan.action), value_before: before.value, value_after: plan.value };
        report.decisions++;
        if (actionsDiffer(before.action, plan.action)) report.flipped++;
        if (before.value !== null && plan.value !== null && Number.isFinite(before.value - plan.value)) {
          sumDelta += Math.abs(before.value - plan.value);
          deltas++;
        }
        keepMostChanged(changed, d, 10);
        options.onDecision?.(report.decisions);
      };
      const source = agent.live.components.critic.name;
      let block: DecisionRecord[] = [];
      const flush = async (): Promise<void> => {
        prefetched?.prefetch(block, source);
        for (let i = 0; i < block.length; i++) {
          decide(block[i]!);
          // Deciding is synchronous: let timers and signals (Ctrl-C) in within a block too.
          if (i % 32 === 31) await new Promise((r) => setImmediate(r));
        }
        block = [];
        await new Promise((r) => setImmediate(r));
      };
      for await (const item of replayStream(store, sourceRun, 0, { decisionsOnly: true })) {
        if (item.kind !== 'decision') continue;
        const rec = item.record;
        const range = options.episodes;
        if (range && rec.episode !== null && rec.episode > range.to) break;
        if (range && (rec.episode === null || rec.episode < range.from)) continue;
        if (rec.chose === null) continue;
        block.push(rec);
        if (block.length >= PREFETCH_DECISIONS) await flush();
      }
      await flush();
      await derived.end('completed', null, { decisions: report.decisions });
    } catch (e) {
      await derived.end('failed', e instanceof Error ? e.message : String(e)).catch(() => undefined);
      throw e;
    }
    report.flip_rate = report.decisions === 0 ? 0 : report.flipped / report.decisions;
    report.mean_abs_delta_value = deltas === 0 ? null : sumDelta / deltas;
    report.most_changed = changed;
    return report;
  } finally {
    agent.dispose();
  }
}

function keepMostChanged(list: ChangedDecision[], d: ChangedDecision, k: number): void {
  const score = (x: ChangedDecision) => (x.action_before !== x.action_after ? 1e9 : 0) + Math.abs((x.value_after ?? 0) - (x.value_before ?? 0));
  list.push(d);
  list.sort((a, b) => score(b) - score(a) || a.decision - b.decision);
  if (list.length > k) list.length = k;
}
