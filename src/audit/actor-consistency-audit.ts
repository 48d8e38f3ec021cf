import type { AuditOutcome, AuditProjection, DrivingDecision, VerdictReason } from './audit-types.js';
import type { AuditContext } from './audit-context.js';
import type { DecisionView } from './decision-view.js';
import { formatFigure } from './format-figure.js';
import { rowCount, tensorRowKey } from './row-key.js';
import { searchPolicyStats } from './search-policy.js';
import { FINAL_SHARE, MIN_SAMPLES, Q_TIE_TOLERANCE, THRESHOLDS, worst } from './thresholds.js';
import { TopK } from './top-k.js';
import { verdictReason } from './verdict-reason.js';
import { VersionWindows, type VersionWindow } from './version-windows.js';

/** Consistency figures of a set of decisions. */
export interface ActorFigures {
  /** Decisions whose candidates all had a one-step Q. */
  n: number;
  /** Share of those where the chosen action maximises Q (within a relative 1e-6). */
  agreement: number | null;
  /** mean and max of max Q − Q(chosen). */
  mean_regret: number | null;
  max_regret: number | null;
  /** mean regret / mean (max Q − min Q) over the candidates. */
  relative_regret: number | null;
  /** Share of decisions whose choice maximises the decision's own recorded scores (ε-exploration shows here). */
  own_score_agreement: number | null;
  /** Of the choices that do not maximise Q, the share that do not maximise their own scores either (exploration). */
  disagreement_from_exploration: number | null;
  /** Share of decisions where the actor's most probable proposal (actor.proposed) maximises Q. */
  proposal_agreement: number | null;
  /** Tree searches (planner.searched) against the actor's prior at the root; null when none was recorded. */
  search: SearchFigures | null;
  /** Continuous actions: the chosen candidate against the best sampled one; null when no decision had continuous candidates. */
  sampled: SampledFigures | null;
}

/** What MCTS made of the actor's prior, over the decisions with a planner.searched tree and a prior at the observation. */
export interface SearchFigures {
  n: number;
  /** Mean of E_visits[Q] − E_prior[Q] at the root: the value the search adds to the actor's proposal. */
  policy_improvement: number;
  /** Mean KL(visit distribution ‖ actor prior) at the root, in nats: how far the actor is from what the search does. */
  visit_prior_kl: number;
  /** Share of executed actions that are the root's most visited (ε-exploration and noise show here). */
  most_visited_share: number;
}

/**
 * Regret of the chosen continuous action against the best sampled candidate, by the planner's own
 * scores of the candidates (actor.chose: MPPI's elites, the best sampled sequences, and their
 * imagined returns): a one-step Q cannot be rebuilt when the search evaluates the critic only at
 * the end of its horizon.
 */
export interface SampledFigures {
  n: number;
  /** Share of decisions that chose the best-scored candidate. */
  best_share: number;
  mean_regret: number;
  max_regret: number;
  /** Mean regret / mean (max − min score) over the candidates. */
  relative_regret: number | null;
}

export interface ActorWindowFigures extends ActorFigures {
  first_decision: number;
  last_decision: number;
  versions: number;
  first_version: string;
  last_version: string;
}

export interface ActorConsistencyResult extends AuditOutcome, ActorFigures {
  gamma: number | null;
  /** Decisions with candidates where some Q could not be formed from the recorded events. */
  unevaluable: number;
  final: ActorWindowFigures | null;
  windows: ActorWindowFigures[];
}

interface Window {
  n: number;
  agree: number;
  sumRegret: number;
  maxRegret: number;
  sumSpread: number;
  ownN: number;
  ownAgree: number;
  exploratoryDisagree: number;
  propN: number;
  propAgree: number;
  searchN: number;
  sumImprovement: number;
  sumKl: number;
  mostVisited: number;
  sampledN: number;
  sampledBest: number;
  sumSampledRegret: number;
  maxSampledRegret: number;
  sumSampledSpread: number;
  worst: TopK<DrivingDecision>;
}

/**
 * Actor–critic consistency (docs/design.md, "Audits"): over the candidates each decision considered
 * (actor.chose candidates, their first actions), the one-step Q(s,a) = r̂(s,a) + γ·(1 − done)·V(ŝ')
 * rebuilt from the decision's recorded reward, world-model and critic rows (matched by content);
 * agreement is the share of decisions whose chosen action maximises it, regret = max Q − Q(chosen).
 * Figures per window of consecutive actor versions (the component registered as actor, else the
 * version on actor.chose).
 */
export class ActorConsistencyAudit implements AuditProjection<ActorConsistencyResult> {
  private readonly windows = new VersionWindows<Window>(emptyWindow, mergeWindow);
  private unevaluable = 0;
  private noCandidates = 0;

  constructor(private readonly ctx: AuditContext) {}

  observe(view: DecisionView): void {
    const chose = view.record.chose?.payload;
    if (chose !== undefined && typeof chose.action !== 'number') {
      this.observeSampled(view, chose.scores.data, chose.chosen_index);
      return;
    }
    const candidates = view.candidates();
    if (chose === undefined || candidates === null || candidates.length === 0 || this.ctx.gamma === null) {
      this.noCandidates++;
      return;
    }
    const chosen = typeof chose.action === 'number' ? chose.action : candidates[chose.chosen_index];
    if (chosen === undefined) {
      this.noCandidates++;
      return;
    }
    this.observeSearch(view, chosen);
    const q = new Map<number, number>();
    for (const a of new Set([...candidates, chosen])) {
      const v = view.oneStepQ(a, this.ctx.gamma);
      if (v === null) {
        this.unevaluable++;
        return;
      }
      q.set(a, v.q);
    }
    const qs = [...q.values()];
    const maxQ = Math.max(...qs);
    const minQ = Math.min(...qs);
    const qc = q.get(chosen)!;
    const tol = Q_TIE_TOLERANCE * Math.max(1, Math.abs(maxQ));
    const agrees = qc >= maxQ - tol;
    const regret = Math.max(0, maxQ - qc);
    const w = this.windows.at(view.versionOf('actor') ?? view.record.chose?.version ?? null, view.id);
    w.n++;
    if (agrees) w.agree++;
    w.sumRegret += regret;
    w.maxRegret = Math.max(w.maxRegret, regret);
    w.sumSpread += maxQ - minQ;
    const scores = chose.scores.data;
    if (scores.length === candidates.length && chose.chosen_index < scores.length) {
      let best = -Infinity;
      for (let i = 0; i < scores.length; i++) if (scores[i]! > best) best = scores[i]!;
      const ownMax = scores[chose.chosen_index]! >= best - Q_TIE_TOLERANCE * Math.max(1, Math.abs(best));
      w.ownN++;
      if (ownMax) w.ownAgree++;
      else if (!agrees) w.exploratoryDisagree++;
    }
    const proposal = proposedArgmax(view);
    if (proposal !== null && q.has(proposal)) {
      w.propN++;
      if (q.get(proposal)! >= maxQ - tol) w.propAgree++;
    }
    if (!agrees) {
      const best = [...q.entries()].find(([, v]) => v === maxQ)![0];
      w.worst.add(regret, { decision: view.id, episode: view.episode, step: view.step, value: regret, why: `regret ${formatFigure(regret)}: chose ${chosen} (Q ${formatFigure(qc)}), best ${best} (Q ${formatFigure(maxQ)})` });
    }
  }

  /** MCTS: the recorded tree's root against the actor's prior at the observation. */
  private observeSearch(view: DecisionView, executed: number): void {
    const tree = view.events('planner.searched').at(-1);
    const prior = proposedProbs(view);
    if (tree === undefined || prior === null) return;
    const stats = searchPolicyStats(tree.payload, prior, executed);
    if (stats === null) return;
    const w = this.windows.at(view.versionOf('actor') ?? view.record.chose?.version ?? null, view.id);
    w.searchN++;
    w.sumImprovement += stats.improvement;
    w.sumKl += stats.kl;
    if (stats.mostVisited) w.mostVisited++;
  }

  /** Continuous actions: regret of the chosen candidate against the best-scored one. */
  private observeSampled(view: DecisionView, scores: ArrayLike<number>, chosenIndex: number): void {
    if (scores.length === 0 || chosenIndex >= scores.length || !Number.isFinite(scores[chosenIndex]!)) {
      this.noCandidates++;
      return;
    }
    let best = -Infinity;
    let low = Infinity;
    for (let i = 0; i < scores.length; i++) {
      if (!Number.isFinite(scores[i]!)) continue;
      best = Math.max(best, scores[i]!);
      low = Math.min(low, scores[i]!);
    }
    const regret = Math.max(0, best - scores[chosenIndex]!);
    const w = this.windows.at(view.versionOf('actor') ?? view.record.chose?.version ?? null, view.id);
    w.sampledN++;
    if (regret <= Q_TIE_TOLERANCE * Math.max(1, Math.abs(best))) w.sampledBest++;
    w.sumSampledRegret += regret;
    w.maxSampledRegret = Math.max(w.maxSampledRegret, regret);
    w.sumSampledSpread += best - low;
    if (regret > 0) w.worst.add(regret, { decision: view.id, episode: view.episode, step: view.step, value: regret, why: `regret ${formatFigure(regret)}: chose candidate ${chosenIndex} (score ${formatFigure(scores[chosenIndex]!)}), best sampled score ${formatFigure(best)}` });
  }

  abandonEpisode(): void {}

  finish(): ActorConsistencyResult {
    const windows = this.windows.windows.map((w) => figuresOf([w]));
    const all = figuresOf(this.windows.windows);
    const tail = this.windows.tail(FINAL_SHARE, (a) => a.n + a.sampledN);
    const final = tail.length === 0 ? null : figuresOf(tail);
    const notes: string[] = [];
    if (this.ctx.gamma === null) notes.push('no discount: the run config has no agent.gamma and no --gamma was given');
    if (this.noCandidates > 0) notes.push(`${this.noCandidates} decisions recorded no actor.chose with candidates`);
    if (all.sampled !== null) notes.push(`${all.sampled.n} decisions chose continuous actions: their regret is measured against the best sampled candidate by the planner's own scores (sampled), not judged; agreement and regret against a one-step Q are for discrete actions`);
    if (this.unevaluable > 0) notes.push(`${this.unevaluable} decisions lack a reward, world-model or critic row for some candidate at their observation (no one-step Q)`);
    const reasons: VerdictReason[] = [];
    const decisions: DrivingDecision[] = [];
    if (final === null || final.n < MIN_SAMPLES) {
      notes.push(`fewer than ${MIN_SAMPLES} decisions with a one-step Q for every candidate: no verdict`);
    } else {
      const T = THRESHOLDS.actor;
      reasons.push(verdictReason('final.agreement', 'agreement', final.agreement, T.agreement), verdictReason('final.relative_regret', 'mean regret / Q spread', final.relative_regret, T.relative_regret));
      const worstOf = new TopK<DrivingDecision>(10);
      for (const w of tail) worstOf.merge(w.agg.worst);
      decisions.push(...worstOf.list());
    }
    const { first_decision: _a, last_decision: _b, versions: _c, first_version: _d, last_version: _e, ...figures } = all;
    return { verdict: worst(reasons.map((r) => r.verdict)), reasons, decisions, notes, ...figures, gamma: this.ctx.gamma, unevaluable: this.unevaluable, final, windows };
  }
}

/** The actor's probabilities at the observation (the first actor.proposed row there), when recorded. */
function proposedProbs(view: DecisionView): number[] | null {
  for (const e of view.events('actor.proposed')) {
    const probs = e.payload.probs;
    if (probs === null) continue;
    const n = rowCount(e.payload.states);
    const A = probs.data.length / Math.max(1, n);
    for (let i = 0; i < n; i++) if (tensorRowKey(e.payload.states, i) === view.observationKey) return Array.from(probs.data.subarray(i * A, (i + 1) * A));
  }
  return null;
}

/** The action the actor's proposal at the observation makes most probable, when recorded. */
function proposedArgmax(view: DecisionView): number | null {
  for (const e of view.events('actor.proposed')) {
    const probs = e.payload.probs;
    if (probs === null) continue;
    const n = rowCount(e.payload.states);
    const A = probs.data.length / Math.max(1, n);
    for (let i = 0; i < n; i++) {
      if (tensorRowKey(e.payload.states, i) !== view.observationKey) continue;
      let best = 0;
      for (let a = 1; a < A; a++) if (probs.data[i * A + a]! > probs.data[i * A + best]!) best = a;
      return best;
    }
  }
  return null;
}

function emptyWindow(): Window {
  return {
    n: 0, agree: 0, sumRegret: 0, maxRegret: 0, sumSpread: 0, ownN: 0, ownAgree: 0, exploratoryDisagree: 0, propN: 0, propAgree: 0,
    searchN: 0, sumImprovement: 0, sumKl: 0, mostVisited: 0, sampledN: 0, sampledBest: 0, sumSampledRegret: 0, maxSampledRegret: 0, sumSampledSpread: 0,
    worst: new TopK(5),
  };
}

function mergeWindow(a: Window, b: Window): void {
  for (const k of ['n', 'agree', 'sumRegret', 'sumSpread', 'ownN', 'ownAgree', 'exploratoryDisagree', 'propN', 'propAgree', 'searchN', 'sumImprovement', 'sumKl', 'mostVisited', 'sampledN', 'sampledBest', 'sumSampledRegret', 'sumSampledSpread'] as const) a[k] += b[k];
  a.maxRegret = Math.max(a.maxRegret, b.maxRegret);
  a.maxSampledRegret = Math.max(a.maxSampledRegret, b.maxSampledRegret);
  a.worst.merge(b.worst);
}

function figuresOf(ws: readonly VersionWindow<Window>[]): ActorWindowFigures {
  const t = emptyWindow();
  for (const w of ws) mergeWindow(t, w.agg);
  const share = (k: number, n: number) => (n === 0 ? null : k / n);
  const meanRegret = share(t.sumRegret, t.n);
  return {
    first_decision: ws[0]?.firstDecision ?? -1,
    last_decision: ws[ws.length - 1]?.lastDecision ?? -1,
    versions: ws.reduce((s, w) => s + w.versions, 0),
    first_version: ws[0]?.firstVersion ?? '',
    last_version: ws[ws.length - 1]?.lastVersion ?? '',
    n: t.n,
    agreement: share(t.agree, t.n),
    mean_regret: meanRegret,
    max_regret: t.n === 0 ? null : t.maxRegret,
    relative_regret: meanRegret === null || !(t.sumSpread > 0) ? (meanRegret === 0 ? 0 : null) : t.sumRegret / t.sumSpread,
    own_score_agreement: share(t.ownAgree, t.ownN),
    disagreement_from_exploration: share(t.exploratoryDisagree, t.n - t.agree),
    proposal_agreement: share(t.propAgree, t.propN),
    search: t.searchN === 0 ? null : { n: t.searchN, policy_improvement: t.sumImprovement / t.searchN, visit_prior_kl: t.sumKl / t.searchN, most_visited_share: t.mostVisited / t.searchN },
    sampled:
      t.sampledN === 0
        ? null
        : { n: t.sampledN, best_share: t.sampledBest / t.sampledN, mean_regret: t.sumSampledRegret / t.sampledN, max_regret: t.maxSampledRegret, relative_regret: t.sumSampledSpread > 0 ? t.sumSampledRegret / t.sumSampledSpread : t.sumSampledRegret === 0 ? 0 : null },
  };
}
