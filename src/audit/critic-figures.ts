import type { DrivingDecision } from './audit-types.js';
import { CalibrationBins, type CalibrationBin } from './calibration-bins.js';
import { PairStats } from './pair-stats.js';
import { Reservoir } from './reservoir.js';
import { spearman } from './spearman.js';
import { empiricalPolicyValues, type TabularModel } from './tabular-model.js';
import { TopK } from './top-k.js';
import type { VersionWindow } from './version-windows.js';
import { windowSpan, withoutSpan, type WindowSpan } from './window-span.js';

/** Calibration figures of a set of decisions: V(s_t) against the realized return G_t. */
export interface CriticFigures {
  n: number;
  bias: number | null;
  rmse: number | null;
  explained_variance: number | null;
  /** Spearman's ρ of V and G (from a uniform sample of at most 4096 decisions when there are more). */
  rank_correlation: number | null;
  /** mean and std of G, for scale. */
  mean_return: number | null;
  std_return: number | null;
  /** |bias| / max(std(G), 10% of |mean G|). */
  relative_bias: number | null;
  /** Tabular runs: V(s_t) − V^π(s_t) with π the window's empirical policy; null elsewhere. */
  exact_bias: number | null;
  exact_rmse: number | null;
}

export interface CriticWindowFigures extends CriticFigures, WindowSpan {
  /** Calibration table of the window's decisions (at most 8 bins). */
  calibration: CalibrationBin[];
}

/** Running sums of one window of critic versions: what `criticFigures` turns into figures. */
export interface CriticWindow {
  stats: PairStats;
  sample: Reservoir<[number, number]>;
  bins: CalibrationBins;
  worst: TopK<DrivingDecision>;
  /** Tabular: action counts [s·A + a], and n, ΣV, ΣV² of V(s_t) per state. */
  tab: { counts: Float64Array; n: Float64Array; sumV: Float64Array; sumV2: Float64Array } | null;
}

/** A window with nothing observed yet; with per-state sums when the run is tabular. */
export function emptyCriticWindow(t: TabularModel | null): CriticWindow {
  return {
    stats: new PairStats(),
    sample: new Reservoir(512, 'critic-window'),
    bins: new CalibrationBins(),
    worst: new TopK(5),
    tab: t === null ? null : { counts: new Float64Array(t.numStates * t.numActions), n: new Float64Array(t.numStates), sumV: new Float64Array(t.numStates), sumV2: new Float64Array(t.numStates) },
  };
}

/**
 * The figures of consecutive windows taken together; `exact` (tabular runs) adds the error against
 * V^π of each window's empirical policy.
 */
export function criticFigures(ws: readonly VersionWindow<CriticWindow>[], exact: { model: TabularModel; gamma: number } | null): CriticWindowFigures {
  const stats = new PairStats();
  const sample = new Reservoir<[number, number]>(4096, 'critic-figures');
  let sse = 0;
  let sumErr = 0;
  let nExact = 0;
  for (const w of ws) {
    stats.merge(w.agg.stats);
    sample.merge(w.agg.sample);
    const t = w.agg.tab;
    if (t !== null && exact !== null) {
      const vpi = empiricalPolicyValues(exact.model, exact.gamma, t.counts);
      for (let s = 0; s < vpi.length; s++) {
        if (t.n[s] === 0) continue;
        sse += t.sumV2[s]! - 2 * vpi[s]! * t.sumV[s]! + t.n[s]! * vpi[s]! * vpi[s]!;
        sumErr += t.sumV[s]! - t.n[s]! * vpi[s]!;
        nExact += t.n[s]!;
      }
    }
  }
  const bias = stats.bias();
  const std = stats.stdY();
  return {
    calibration: mergedBins(ws).table(8),
    ...windowSpan(ws),
    n: stats.n,
    bias,
    rmse: stats.rmse(),
    explained_variance: stats.explainedVariance(),
    rank_correlation: spearman(sample.items),
    mean_return: stats.n === 0 ? null : stats.meanY,
    std_return: std,
    relative_bias: relativeBias(bias, std, stats.n === 0 ? null : stats.meanY),
    exact_bias: nExact === 0 ? null : sumErr / nExact,
    exact_rmse: nExact === 0 ? null : Math.sqrt(Math.max(0, sse) / nExact),
  };
}

/** Returns whose spread is under this share of their mean magnitude count as not varying. */
const FLAT_RETURNS = 0.1;

export function returnsBarelyVary(std: number | null, mean: number | null): boolean {
  return std !== null && mean !== null && std < FLAT_RETURNS * Math.abs(mean);
}

/** |bias| over the spread of G, floored at 10% of |mean G| so that near-constant returns do not blow it up. */
function relativeBias(bias: number | null, std: number | null, mean: number | null): number | null {
  if (bias === null || std === null || mean === null) return null;
  const scale = Math.max(std, FLAT_RETURNS * Math.abs(mean));
  return scale > 0 ? Math.abs(bias) / scale : null;
}

/** Adds b into a. */
export function mergeCriticWindow(a: CriticWindow, b: CriticWindow): void {
  a.stats.merge(b.stats);
  a.sample.merge(b.sample);
  a.bins.merge(b.bins);
  a.worst.merge(b.worst);
  if (a.tab !== null && b.tab !== null) {
    for (const k of ['counts', 'n', 'sumV', 'sumV2'] as const) for (let i = 0; i < a.tab[k].length; i++) a.tab[k][i]! += b.tab[k][i]!;
  }
}

/** The calibration bins of consecutive windows together. */
export function mergedBins(ws: readonly VersionWindow<CriticWindow>[]): CalibrationBins {
  const bins = new CalibrationBins();
  for (const w of ws) bins.merge(w.agg.bins);
  return bins;
}

/** Window figures without their span and calibration table: the whole run's figures, as the result spreads them. */
export function withoutWindowFields(f: CriticWindowFigures): CriticFigures {
  const { calibration: _f, ...rest } = withoutSpan(f);
  return rest;
}
