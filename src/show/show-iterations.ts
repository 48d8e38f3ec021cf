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
      best_elite_score: scores.length === 0 ? NaN : Math.max(...scores),
      mean_elite_score: scores.length === 0 ? NaN : scores.reduce((a, b) => a + b, 0) / scores.length,
      samples_recorded: p.sample_actions !== null,
      chosen: p.chosen_elite === null || p.chosen_action === null ? null : { elite: p.chosen_elite, action: Array.from(p.chosen_action.data), score: p.chosen_score },
    };
  });
}
