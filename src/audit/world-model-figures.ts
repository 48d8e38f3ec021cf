import type { DrivingDecision } from './audit-types.js';
import { TopK } from './top-k.js';
import type { VersionWindow } from './version-windows.js';
import { Welford } from './welford.js';
import { windowSpan, type WindowSpan } from './window-span.js';

export interface WorldModelFigures {
  /** Decisions with a world-model row at (observation, real action). */
  n: number;
  /** Mean over those decisions of the per-element MSE between predicted and real next observation. */
  one_step_error: number | null;
  one_step_max_abs: number | null;
  /** One-step SSE / SS of the real next observations about their run-wide mean, scaled to the decisions counted (1 − R²). */
  relative_one_step_error: number | null;
  /** Chosen plans: mean of imagined − realized discounted return over the plan's steps. */
  optimism: number | null;
  /** The same for plans the search considered and did not choose (built-in envs: real rollouts). */
  optimism_non_chosen: number | null;
  /** Mean over decisions of (chosen optimism − mean non-chosen optimism). */
  exploitation: number | null;
  /** std of the realized returns of every plan measured: the scale optimism is judged against. */
  realized_return_std: number | null;
  relative_optimism: number | null;
  exploitation_gap: number | null;
  optimism_plans: { chosen: number; non_chosen: number };
}

export interface WorldModelWindowFigures extends WorldModelFigures, WindowSpan {}

/** Running sums of one window of world-model versions: what `worldModelFigures` turns into figures. */
export interface WorldModelWindow {
  n: number;
  sumMse: number;
  sse: number;
  maxAbs: number;
  chosenN: number;
  sumChosen: number;
  nonN: number;
  sumNon: number;
  gapN: number;
  sumGap: number;
  realized: Welford;
  worstOptimism: TopK<DrivingDecision>;
  worstError: TopK<DrivingDecision>;
}

/** The figures of consecutive windows taken together. */
export function worldModelFigures(
  ws: readonly VersionWindow<WorldModelWindow>[],
  /** Σ over dimensions of the run-wide variance of the real next observations: one decision's share of their SS. */
  realVariance: number,
): WorldModelWindowFigures {
  const t = emptyWorldModelWindow();
  for (const w of ws) mergeWorldModelWindow(t, w.agg);
  // SS of the real next observations about their mean, at the run's variance, for this many decisions.
  const ssReal = realVariance * t.n;
  const std = t.realized.std();
  const optimism = t.chosenN === 0 ? null : t.sumChosen / t.chosenN;
  const gap = t.gapN === 0 ? null : t.sumGap / t.gapN;
  const rel = (v: number | null) => (v === null || std === null || !(std > 1e-9) ? null : v / std);
  return {
    ...windowSpan(ws),
    n: t.n,
    one_step_error: t.n === 0 ? null : t.sumMse / t.n,
    one_step_max_abs: t.n === 0 ? null : t.maxAbs,
    relative_one_step_error: t.n === 0 || !(ssReal > 0) ? null : t.sse / ssReal,
    optimism,
    optimism_non_chosen: t.nonN === 0 ? null : t.sumNon / t.nonN,
    exploitation: gap,
    realized_return_std: std,
    relative_optimism: rel(optimism),
    exploitation_gap: rel(gap),
    optimism_plans: { chosen: t.chosenN, non_chosen: t.nonN },
  };
}

/** A window with nothing observed yet. */
export function emptyWorldModelWindow(): WorldModelWindow {
  return { n: 0, sumMse: 0, sse: 0, maxAbs: 0, chosenN: 0, sumChosen: 0, nonN: 0, sumNon: 0, gapN: 0, sumGap: 0, realized: new Welford(), worstOptimism: new TopK(5), worstError: new TopK(5) };
}

/** Adds b into a. */
export function mergeWorldModelWindow(a: WorldModelWindow, b: WorldModelWindow): void {
  for (const k of ['n', 'sumMse', 'sse', 'chosenN', 'sumChosen', 'nonN', 'sumNon', 'gapN', 'sumGap'] as const) a[k] += b[k];
  a.maxAbs = Math.max(a.maxAbs, b.maxAbs);
  a.realized.merge(b.realized);
  a.worstOptimism.merge(b.worstOptimism);
  a.worstError.merge(b.worstError);
}
