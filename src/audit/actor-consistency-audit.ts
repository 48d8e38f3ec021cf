import type { AuditOutcome, AuditProjection, DrivingDecision, VerdictReason } from './audit-types.js';
import type { AuditContext } from './audit-context.js';
import type { DecisionView } from './decision-view.js';
import { actorFigures, emptyActorWindow, mergeActorWindow, type ActorFigures, type ActorWindow, type ActorWindowFigures } from './actor-figures.js';
import { proposedArgmax, proposedProbs } from './actor-proposal.js';
import { formatFigure } from './format-figure.js';
import { lookaheadQ } from './lookahead-q.js';
import { searchPolicyStats } from './search-policy.js';
import { FINAL_SHARE, MIN_SAMPLES, Q_TIE_TOLERANCE, THRESHOLDS, worst } from './thresholds.js';
import { TopK } from './top-k.js';
import { verdictReason } from './verdict-reason.js';
import { VersionWindows } from './version-windows.js';
import { withoutSpan } from './window-span.js';

export interface ActorConsistencyResult extends AuditOutcome, ActorFigures {
  gamma: number | null;
  /** Decisions with candidates where some Q could not be formed from the recorded events. */
  unevaluable: number;
  /** Decisions with a multi-step search where some plan's Q_H could not be formed from the recorded rows. */
  lookahead_unevaluable: number;
  /** Which Q the verdict judged: one-step, or as far ahead as the search looked when decisions searched deeper. */
  yardstick: 'one-step' | 'lookahead';
  final: ActorWindowFigures | null;
  windows: ActorWindowFigures[];
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
  private readonly windows = new VersionWindows<ActorWindow>(emptyActorWindow, mergeActorWindow);
  private unevaluable = 0;
  private lookaheadUnevaluable = 0;
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
    this.observeLookahead(view, candidates, chosen, this.ctx.gamma);
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

  /** Beam-style tree search deeper than one step: the chosen action against Q as far ahead as the search looked. */
  private observeLookahead(view: DecisionView, candidates: readonly number[], chosen: number, gamma: number): void {
    const look = lookaheadQ(view, gamma);
    if (look === null) return;
    const qs = look === 'unevaluable' ? [] : [...new Set([...candidates, chosen])].map((a) => look.q.get(a));
    if (look === 'unevaluable' || qs.some((v) => v === undefined)) {
      this.lookaheadUnevaluable++;
      return;
    }
    const maxQ = Math.max(...(qs as number[]));
    const minQ = Math.min(...(qs as number[]));
    const qc = look.q.get(chosen)!;
    const regret = Math.max(0, maxQ - qc);
    const tol = Q_TIE_TOLERANCE * Math.max(1, Math.abs(maxQ));
    const w = this.windows.at(view.versionOf('actor') ?? view.record.chose?.version ?? null, view.id);
    const proposal = proposedArgmax(view);
    if (proposal !== null && look.q.has(proposal)) {
      w.lookPropN++;
      if (look.q.get(proposal)! >= maxQ - tol) w.lookPropAgree++;
    }
    w.lookN++;
    if (qc >= maxQ - tol) w.lookAgree++;
    else {
      const best = [...look.q.entries()].find(([, v]) => v === maxQ)![0];
      w.lookWorst.add(regret, { decision: view.id, episode: view.episode, step: view.step, value: regret, why: `regret ${formatFigure(regret)} over a ${look.depth}-step search: chose ${chosen} (Q ${formatFigure(qc)}), best ${best} (Q ${formatFigure(maxQ)})` });
    }
    w.lookSumRegret += regret;
    w.lookMaxRegret = Math.max(w.lookMaxRegret, regret);
    w.lookSumSpread += maxQ - minQ;
    w.lookDepth = Math.max(w.lookDepth, look.depth);
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
    const windows = this.windows.windows.map((w) => actorFigures([w]));
    const all = actorFigures(this.windows.windows);
    const tail = this.windows.tail(FINAL_SHARE, (a) => a.n + a.sampledN);
    const final = tail.length === 0 ? null : actorFigures(tail);
    const notes: string[] = [];
    if (this.ctx.gamma === null) notes.push('no discount: the run config has no agent.gamma and no --gamma was given');
    if (this.noCandidates > 0) notes.push(`${this.noCandidates} decisions recorded no actor.chose with candidates`);
    if (all.sampled !== null) notes.push(`${all.sampled.n} decisions chose continuous actions: their regret is measured against the best sampled candidate by the planner's own scores (sampled), not judged; agreement and regret against a one-step Q are for discrete actions`);
    if (this.unevaluable > 0) notes.push(`${this.unevaluable} decisions lack a reward, world-model or critic row for some candidate at their observation (no one-step Q)`);
    if (this.lookaheadUnevaluable > 0) notes.push(`${this.lookaheadUnevaluable} decisions searched deeper than one step but lack a reward, world-model or critic row along some searched plan (no Q over the search)`);
    const reasons: VerdictReason[] = [];
    const decisions: DrivingDecision[] = [];
    const T = THRESHOLDS.actor;
    // A planner that looks H steps ahead maximises an H-step value: the one-step Q is not what it
    // chooses by, and the one-step argmax is mostly the critic's noise where H-step plans differ
    // little in their first step (cart-pole, issue 17 item 8). Judge the Q the search formed.
    const yardstick = final?.lookahead != null && final.lookahead.n >= MIN_SAMPLES ? 'lookahead' : 'one-step';
    const worstOf = new TopK<DrivingDecision>(10);
    if (yardstick === 'lookahead') {
      const look = final!.lookahead!;
      notes.push(`the verdict judges Q over the ${look.depth}-step search the planner chose by (imagined rewards and the critic where each searched plan ends), not the one-step Q, which is shown for context`);
      reasons.push(verdictReason('final.lookahead.agreement', `agreement with Q over the ${look.depth}-step search`, look.agreement, T.agreement), verdictReason('final.lookahead.relative_regret', 'mean regret / Q spread over the search', look.relative_regret, T.relative_regret));
      for (const w of tail) worstOf.merge(w.agg.lookWorst);
      decisions.push(...worstOf.list());
    } else if (final === null || final.n < MIN_SAMPLES) {
      notes.push(`fewer than ${MIN_SAMPLES} decisions with a one-step Q for every candidate: no verdict`);
    } else {
      reasons.push(verdictReason('final.agreement', 'agreement', final.agreement, T.agreement), verdictReason('final.relative_regret', 'mean regret / Q spread', final.relative_regret, T.relative_regret));
      for (const w of tail) worstOf.merge(w.agg.worst);
      decisions.push(...worstOf.list());
    }
    const figures = withoutSpan(all);
    return { verdict: worst(reasons.map((r) => r.verdict)), reasons, decisions, notes, ...figures, gamma: this.ctx.gamma, unevaluable: this.unevaluable, lookahead_unevaluable: this.lookaheadUnevaluable, yardstick, final, windows };
  }
}
