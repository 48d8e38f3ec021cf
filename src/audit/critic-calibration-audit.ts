import type { AuditOutcome, AuditProjection, DrivingDecision, VerdictReason } from './audit-types.js';
import type { AuditContext } from './audit-context.js';
import type { CalibrationBin } from './calibration-bins.js';
import { criticFigures, emptyCriticWindow, mergeCriticWindow, mergedBins, returnsBarelyVary, withoutWindowFields, type CriticFigures, type CriticWindow, type CriticWindowFigures } from './critic-figures.js';
import type { DecisionView } from './decision-view.js';
import { Reservoir } from './reservoir.js';
import { rowKey } from './row-key.js';
import { tabularModelFor, type TabularModel } from './tabular-model.js';
import { FINAL_SHARE, MIN_SAMPLES, THRESHOLDS, worst } from './thresholds.js';
import { formatFigure, roundFigure } from './format-figure.js';
import { verdictReason } from './verdict-reason.js';
import { TopK } from './top-k.js';
import { VersionWindows } from './version-windows.js';

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
  private readonly windows: VersionWindows<CriticWindow>;
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
    this.windows = new VersionWindows<CriticWindow>(() => emptyCriticWindow(this.tabular ?? null), mergeCriticWindow);
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
    const exact = this.tabular && this.ctx.gamma !== null ? { model: this.tabular, gamma: this.ctx.gamma } : null;
    const windows = this.windows.windows.map((w) => criticFigures([w], exact));
    const all = criticFigures(this.windows.windows, exact);
    const tail = this.windows.tail(FINAL_SHARE, (a) => a.stats.n);
    const final = tail.length === 0 ? null : criticFigures(tail, exact);
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
}
