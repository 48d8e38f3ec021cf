import type { RecordedEvent } from '../events/registry.js';

/** One MPPI/CEM iteration as `show` renders it: how the first step's distribution moved, what the elites scored. */
export interface PlannerIterationView {
  iteration: number;
  method: 'mppi' | 'cem';
  samples: number;
  from_actor: number;
  /** The first planned step's mean and std before and after the refit, [A] each. */
  mean_before: number[];
  mean_after: number[];
  std_before: number[];
  std_after: number[];
  elites: number;
  /** The plan's mean and std over the horizon, first action dimension, before and after the refit, [H] each. */
  plan_mean_before: number[];
  plan_mean_after: number[];
  plan_std_after: number[];
  /** Each elite, best first: its sample row, score and refit weight, and whether the actor proposed it (row < from_actor). */
  elite_list: { row: number; score: number; weight: number; from_actor: boolean }[];
  best_elite_score: number;
  mean_elite_score: number;
  /** Whether this iteration's full sample tensors were recorded (the recording policy). */
  samples_recorded: boolean;
  /** Last iteration only: the elite drawn and the action sent to the environment. */
  chosen: { elite: number; action: number[]; score: number | null } | null;
}

/** The decision's planner.iterated events as views, in order; null when the planner recorded none. */
export function plannerIterations(events: readonly RecordedEvent<'planner.iterated'>[]): PlannerIterationView[] | null {
  if (events.length === 0) return null;
  return events.map((e) => {
    const p = e.payload;
    const A = p.mean.shape[1] ?? 1;
    const first = (t: { data: ArrayLike<number> }) => Array.from(t.data).slice(0, A);
    const scores = Array.from(p.elite_scores.data);
    const weights = Array.from(p.elite_weights.data);
    // Every A-th element of an [H, A] tensor: the first action dimension at each step of the horizon.
    const byStep = (t: { data: ArrayLike<number> }) => Array.from(t.data).filter((_x, i) => i % A === 0);
    const rows = p.elites;
    return {
      iteration: p.iteration,
      method: p.method,
      samples: p.samples,
      from_actor: p.from_actor,
      mean_before: first(p.prior_mean),
      mean_after: first(p.mean),
      std_before: first(p.prior_std),
      std_after: first(p.std),
      elites: p.elites.length,
      plan_mean_before: byStep(p.prior_mean),
      plan_mean_after: byStep(p.mean),
      plan_std_after: byStep(p.std),
      elite_list: rows.map((row, i) => ({ row, score: scores[i] ?? NaN, weight: weights[i] ?? NaN, from_actor: row < p.from_actor })),
      best_elite_score: scores.length === 0 ? NaN : Math.max(...scores),
      mean_elite_score: scores.length === 0 ? NaN : scores.reduce((a, b) => a + b, 0) / scores.length,
      samples_recorded: p.sample_actions !== null,
      chosen: p.chosen_elite === null || p.chosen_action === null ? null : { elite: p.chosen_elite, action: Array.from(p.chosen_action.data), score: p.chosen_score },
    };
  });
}
