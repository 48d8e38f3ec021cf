import type { DrivingDecision } from './audit-types.js';
import { TopK } from './top-k.js';
import type { VersionWindow } from './version-windows.js';
import { windowSpan, type WindowSpan } from './window-span.js';

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
  /**
   * Against Q as far ahead as the decision's tree search looked (planner.expanded deeper than one
   * level, rebuilt from the component rows): what a multi-step planner maximises. Null when no
   * decision searched deeper than one step.
   */
  lookahead: LookaheadFigures | null;
  /** Tree searches (planner.searched) against the actor's prior at the root; null when none was recorded. */
  search: SearchFigures | null;
  /** Continuous actions: the chosen candidate against the best sampled one; null when no decision had continuous candidates. */
  sampled: SampledFigures | null;
}

/**
 * The chosen action against Q_H(s, a) = the best value of a searched plan starting with a (H-step
 * imagined return plus the discounted critic value where the plan ends; lookahead-q.ts).
 */
export interface LookaheadFigures {
  n: number;
  /** Deepest search among the decisions (its horizon in steps). */
  depth: number;
  /** Share of decisions whose chosen action maximises Q_H (within a relative 1e-6). */
  agreement: number;
  /** mean and max of max Q_H − Q_H(chosen). */
  mean_regret: number;
  max_regret: number;
  /** mean regret / mean (max Q_H − min Q_H) over the first actions. */
  relative_regret: number | null;
  /** Share of decisions where the actor's most probable proposal maximises Q_H (the reference actor distils the search); null when no proposal was recorded. */
  proposal_agreement: number | null;
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

export interface ActorWindowFigures extends ActorFigures, WindowSpan {}

/** Running sums of one window of actor versions: what `actorFigures` turns into figures. */
export interface ActorWindow {
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
  lookN: number;
  lookAgree: number;
  lookSumRegret: number;
  lookMaxRegret: number;
  lookSumSpread: number;
  lookDepth: number;
  lookPropN: number;
  lookPropAgree: number;
  worst: TopK<DrivingDecision>;
  lookWorst: TopK<DrivingDecision>;
}

/** A window with nothing observed yet. */
export function emptyActorWindow(): ActorWindow {
  return {
    n: 0, agree: 0, sumRegret: 0, maxRegret: 0, sumSpread: 0, ownN: 0, ownAgree: 0, exploratoryDisagree: 0, propN: 0, propAgree: 0,
    searchN: 0, sumImprovement: 0, sumKl: 0, mostVisited: 0, sampledN: 0, sampledBest: 0, sumSampledRegret: 0, maxSampledRegret: 0, sumSampledSpread: 0,
    lookN: 0, lookAgree: 0, lookSumRegret: 0, lookMaxRegret: 0, lookSumSpread: 0, lookDepth: 0, lookPropN: 0, lookPropAgree: 0,
    worst: new TopK(5),
    lookWorst: new TopK(5),
  };
}

/** Adds b into a. */
export function mergeActorWindow(a: ActorWindow, b: ActorWindow): void {
  for (const k of ['n', 'agree', 'sumRegret', 'sumSpread', 'ownN', 'ownAgree', 'exploratoryDisagree', 'propN', 'propAgree', 'searchN', 'sumImprovement', 'sumKl', 'mostVisited', 'sampledN', 'sampledBest', 'sumSampledRegret', 'sumSampledSpread', 'lookN', 'lookAgree', 'lookSumRegret', 'lookSumSpread', 'lookPropN', 'lookPropAgree'] as const) a[k] += b[k];
  for (const k of ['maxRegret', 'maxSampledRegret', 'lookMaxRegret', 'lookDepth'] as const) a[k] = Math.max(a[k], b[k]);
  a.worst.merge(b.worst);
  a.lookWorst.merge(b.lookWorst);
}

/** The figures of consecutive windows taken together. */
export function actorFigures(ws: readonly VersionWindow<ActorWindow>[]): ActorWindowFigures {
  const t = emptyActorWindow();
  for (const w of ws) mergeActorWindow(t, w.agg);
  const share = (k: number, n: number) => (n === 0 ? null : k / n);
  const meanRegret = share(t.sumRegret, t.n);
  return {
    ...windowSpan(ws),
    n: t.n,
    agreement: share(t.agree, t.n),
    mean_regret: meanRegret,
    max_regret: t.n === 0 ? null : t.maxRegret,
    relative_regret: meanRegret === null || !(t.sumSpread > 0) ? (meanRegret === 0 ? 0 : null) : t.sumRegret / t.sumSpread,
    own_score_agreement: share(t.ownAgree, t.ownN),
    disagreement_from_exploration: share(t.exploratoryDisagree, t.n - t.agree),
    proposal_agreement: share(t.propAgree, t.propN),
    lookahead:
      t.lookN === 0
        ? null
        : { n: t.lookN, depth: t.lookDepth, agreement: t.lookAgree / t.lookN, mean_regret: t.lookSumRegret / t.lookN, max_regret: t.lookMaxRegret, relative_regret: t.lookSumSpread > 0 ? t.lookSumRegret / t.lookSumSpread : t.lookSumRegret === 0 ? 0 : null, proposal_agreement: share(t.lookPropAgree, t.lookPropN) },
    search: t.searchN === 0 ? null : { n: t.searchN, policy_improvement: t.sumImprovement / t.searchN, visit_prior_kl: t.sumKl / t.searchN, most_visited_share: t.mostVisited / t.searchN },
    sampled:
      t.sampledN === 0
        ? null
        : { n: t.sampledN, best_share: t.sampledBest / t.sampledN, mean_regret: t.sumSampledRegret / t.sampledN, max_regret: t.maxSampledRegret, relative_regret: t.sumSampledSpread > 0 ? t.sumSampledRegret / t.sumSampledSpread : t.sumSampledRegret === 0 ? 0 : null },
  };
}
