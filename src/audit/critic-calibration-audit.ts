import type { AuditOutcome, AuditProjection, DrivingDecision, VerdictReason } from './audit-types.js';
import type { AuditContext } from './audit-context.js';
import { CalibrationBins, type CalibrationBin } from './calibration-bins.js';
import type { DecisionView } from './decision-view.js';
import { PairStats } from './pair-stats.js';
import { Reservoir } from './reservoir.js';
import { rowKey } from './row-key.js';
import { spearman } from './spearman.js';
import { empiricalPolicyValues, tabularModelFor, type TabularModel } from './tabular-model.js';
import { FINAL_SHARE, MIN_SAMPLES, THRESHOLDS, worst } from './thresholds.js';
import { formatFigure, roundFigure } from './format-figure.js';
import { verdictReason } from './verdict-reason.js';
import { TopK } from './top-k.js';
import { VersionWindows, type VersionWindow } from './version-windows.js';
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

export interface CriticCalibrationResult extends AuditOutcome, CriticFigures {
  gamma: number | null;
  non_finite: number;
  /** Decisions with no critic row at their observation (no V(s_t) to audit). */
  missing_root_value: number;
  episodes: { terminated: number; truncated: number; abandoned: number };
  /** The figures of the trailing windows holding FINAL_SHARE of the decisions: the verdict's basis. */
  final: CriticWindowFigures | null;
  windows: CriticWindowFigures[];
  calibration: CalibrationBin[];
  /** Up to 500 sampled (V, G) pairs, for plotting. */
  scatter: [number, number][];
  /** 'exact V^π per critic-version window' on tabular envs, else null. */
  exact_reference: string | null;
}

interface Window {
  stats: PairStats;
  sample: Reservoir<[number, number]>;
  bins: CalibrationBins;
  worst: TopK<DrivingDecision>;
  /** Tabular: action counts [s·A + a], and n, ΣV, ΣV² of V(s_t) per state. */
  tab: { counts: Float64Array; n: Float64Array; sumV: Float64Array; sumV2: Float64Array } | null;
}

/** One closed episode as the critic audit saw it (for inspection and tests). */
export interface CriticEpisode {
  episode: number | null;
  how: 'terminated' | 'truncated' | 'abandoned';
  decisions: number[];
  /** G_t of each decision, bootstrapped as documented. */
  returns: Float64Array;
  /** The value G was bootstrapped with after the last step (0 when terminated). */
  bootstrap: number;
  /** Σ_t γ^t r_t without bootstrap: what episode.ended calls discounted_return. */
  discountedReturn: number;
}

interface Pending {
  decision: number;
  episode: number | null;
  step: number | null;
  value: number | null;
  version: string | null;
  reward: number;
  state: number | undefined;
  action: number | null;
}

/**
 * Critic calibration (docs/design.md, "Audits"): V(s_t), the critic row whose state is the decision's
 * observation, against G_t = Σ_k γ^k r_{t+k} over the rest of the episode. G is bootstrapped when
 * the episode was truncated or abandoned: with the critic's value at the final real observation
 * when the last decision evaluated it, else with the last recorded root value (V(s_{T−1}) for
 * V(s_T), an approximation). Only the current episode is buffered. Figures are kept per window
 * of consecutive critic versions (the version that computed V(s_t)).
 *
 * On the tabular gridworld the same V(s_t) are also compared with the exact V^π, π being the
 * empirical action distribution per state within the window (uniform in unvisited states).
 */
export class CriticCalibrationAudit implements AuditProjection<CriticCalibrationResult> {
  private readonly windows: VersionWindows<Window>;
  private readonly scatter = new Reservoir<[number, number]>(500, 'critic-scatter');
  private episode: Pending[] = [];
  private bootstrap: number | null = null;
  private tabular: TabularModel | null | undefined;
  private nonFinite = 0;
  private missingRoot = 0;
  private readonly ended = { terminated: 0, truncated: 0, abandoned: 0 };

  constructor(
    private readonly ctx: AuditContext,
    private readonly onEpisode?: (e: CriticEpisode) => void,
  ) {
    const tabSize = () => this.tabular ?? null;
    this.windows = new VersionWindows<Window>(
      () => {
        const t = tabSize();
        return {
          stats: new PairStats(),
          sample: new Reservoir(512, 'critic-window'),
          bins: new CalibrationBins(),
          worst: new TopK(5),
          tab: t === null ? null : { counts: new Float64Array(t.numStates * t.numActions), n: new Float64Array(t.numStates), sumV: new Float64Array(t.numStates), sumV2: new Float64Array(t.numStates) },
        };
      },
      mergeWindow,
    );
  }

  observe(view: DecisionView): void {
    if (this.tabular === undefined) this.tabular = tabularModelFor(this.ctx.env, view.record.started.payload.env_state);
    const root = view.rootValue();
    if (root === null) this.missingRoot++;
    const out = view.outcome;
    if (out === null) return;
    this.episode.push({
      decision: view.id,
      episode: view.episode,
      step: view.step,
      value: root?.value ?? null,
      version: root?.version ?? view.versionOf('critic'),
      reward: out.reward,
      state: this.tabular?.stateOf(view.observationKey),
      action: view.action,
    });
    if (out.terminated) return this.close('terminated', 0);
    // V at the final real observation when the decision evaluated it, else V(s_{T−1}).
    this.bootstrap = view.valueAt(rowKey(out.observation.data)) ?? root?.value ?? this.bootstrap;
    if (out.truncated) this.close('truncated', this.bootstrap);
  }

  abandonEpisode(): void {
    if (this.episode.length > 0) this.close('abandoned', this.bootstrap);
  }

  private close(how: 'terminated' | 'truncated' | 'abandoned', tail: number | null): void {
    this.ended[how]++;
    const gamma = this.ctx.gamma ?? NaN;
    let g = tail ?? 0;
    const returns = new Float64Array(this.episode.length);
    for (let i = this.episode.length - 1; i >= 0; i--) {
      g = this.episode[i]!.reward + gamma * g;
      returns[i] = g;
    }
    if (this.onEpisode) {
      const discounted = this.episode.reduce((s, p, i) => s + gamma ** i * p.reward, 0);
      this.onEpisode({ episode: this.episode[0]?.episode ?? null, how, decisions: this.episode.map((p) => p.decision), returns, bootstrap: tail ?? 0, discountedReturn: discounted });
    }
    this.episode.forEach((p, i) => {
      const w = this.windows.at(p.version, p.decision);
      if (w.tab !== null && p.state !== undefined && p.action !== null && p.action >= 0 && p.action < this.tabular!.numActions) w.tab.counts[p.state * this.tabular!.numActions + p.action]!++;
      if (p.value === null) return;
      const G = returns[i]!;
      if (!Number.isFinite(p.value)) this.nonFinite++;
      w.stats.add(p.value, G);
      if (!Number.isFinite(p.value) || !Number.isFinite(G)) return;
      w.sample.add([p.value, G]);
      w.bins.add(p.value, G);
      this.scatter.add([p.value, G]);
      const err = Math.abs(p.value - G);
      w.worst.add(err, { decision: p.decision, episode: p.episode, step: p.step, value: err, why: `|V − G| = ${formatFigure(err)} (V ${formatFigure(p.value)}, G ${formatFigure(G)})` });
      if (w.tab !== null && p.state !== undefined) {
        w.tab.n[p.state]!++;
        w.tab.sumV[p.state]! += p.value;
        w.tab.sumV2[p.state]! += p.value * p.value;
      }
    });
    this.episode = [];
    this.bootstrap = null;
  }

  finish(): CriticCalibrationResult {
    this.abandonEpisode();
    const windows = this.windows.windows.map((w) => this.figuresOf([w]));
    const all = this.figuresOf(this.windows.windows);
    const tail = this.windows.tail(FINAL_SHARE, (a) => a.stats.n);
    const final = tail.length === 0 ? null : this.figuresOf(tail);
    const notes: string[] = [];
    if (this.ctx.gamma === null) notes.push('no discount: the run config has no agent.gamma and no --gamma was given');
    if (this.missingRoot > 0) notes.push(`${this.missingRoot} decisions recorded no critic row at their observation (no V(s_t))`);
    if (this.ended.truncated + this.ended.abandoned > 0) notes.push(`${this.ended.truncated + this.ended.abandoned} episodes were truncated or cut short; their returns are bootstrapped with the critic's own value`);
    const reasons: VerdictReason[] = [];
    const decisions: DrivingDecision[] = [];
    if (final === null || final.n < MIN_SAMPLES) {
      notes.push(`fewer than ${MIN_SAMPLES} decisions with V(s_t) and a realized return: no verdict`);
    } else {
      const T = THRESHOLDS.critic;
      reasons.push(verdictReason('final.relative_bias', '|bias| / spread of G', final.relative_bias, T.relative_bias));
      if (returnsBarelyVary(final.std_return, final.mean_return)) {
        // A converged policy in a deterministic env earns nearly the same return every time: then
        // explained variance and rank correlation measure noise, and only the bias says anything.
        notes.push(`realized returns barely vary in the final window (std ${final.std_return?.toPrecision(3)} around ${final.mean_return?.toPrecision(3)}): explained variance and rank correlation not judged`);
      } else {
        reasons.push(
          verdictReason('final.explained_variance', 'explained variance', final.explained_variance, T.explained_variance),
          verdictReason('final.rank_correlation', 'Spearman ρ(V, G)', final.rank_correlation, T.rank_correlation),
        );
      }
      const worstOf = new TopK<DrivingDecision>(10);
      for (const w of tail) worstOf.merge(w.agg.worst);
      decisions.push(...worstOf.list());
    }
    if (this.nonFinite > 0) reasons.push(verdictReason('non_finite', 'non-finite V(s_t) values', this.nonFinite, THRESHOLDS.critic.non_finite));
    return {
      verdict: this.ctx.gamma === null ? 'not_available' : worst(reasons.map((r) => r.verdict)),
      reasons,
      decisions,
      notes,
      ...withoutWindowFields(all),
      gamma: this.ctx.gamma,
      non_finite: this.nonFinite,
      missing_root_value: this.missingRoot,
      episodes: { ...this.ended },
      final,
      windows,
      calibration: mergedBins(this.windows.windows).table(12),
      scatter: this.scatter.items.map(([v, g]) => [roundFigure(v), roundFigure(g)]),
      exact_reference: this.tabular ? 'exact V^π of the empirical policy per critic-version window (tabular-solver policyEvaluation)' : null,
    };
  }

  private figuresOf(ws: readonly VersionWindow<Window>[]): CriticWindowFigures {
    const stats = new PairStats();
    const sample = new Reservoir<[number, number]>(4096, 'critic-figures');
    let sse = 0;
    let sumErr = 0;
    let nExact = 0;
    for (const w of ws) {
      stats.merge(w.agg.stats);
      sample.merge(w.agg.sample);
      const t = w.agg.tab;
      if (t !== null && this.tabular && this.ctx.gamma !== null) {
        const vpi = empiricalPolicyValues(this.tabular, this.ctx.gamma, t.counts);
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
}

/** Returns whose spread is under this share of their mean magnitude count as not varying. */
const FLAT_RETURNS = 0.1;

function returnsBarelyVary(std: number | null, mean: number | null): boolean {
  return std !== null && mean !== null && std < FLAT_RETURNS * Math.abs(mean);
}

/** |bias| over the spread of G, floored at 10% of |mean G| so that near-constant returns do not blow it up. */
function relativeBias(bias: number | null, std: number | null, mean: number | null): number | null {
  if (bias === null || std === null || mean === null) return null;
  const scale = Math.max(std, FLAT_RETURNS * Math.abs(mean));
  return scale > 0 ? Math.abs(bias) / scale : null;
}

function mergeWindow(a: Window, b: Window): void {
  a.stats.merge(b.stats);
  a.sample.merge(b.sample);
  a.bins.merge(b.bins);
  a.worst.merge(b.worst);
  if (a.tab !== null && b.tab !== null) {
    for (const k of ['counts', 'n', 'sumV', 'sumV2'] as const) for (let i = 0; i < a.tab[k].length; i++) a.tab[k][i]! += b.tab[k][i]!;
  }
}

function mergedBins(ws: readonly VersionWindow<Window>[]): CalibrationBins {
  const bins = new CalibrationBins();
  for (const w of ws) bins.merge(w.agg.bins);
  return bins;
}

function withoutWindowFields(f: CriticWindowFigures): CriticFigures {
  const { calibration: _f, ...rest } = withoutSpan(f);
  return rest;
}

