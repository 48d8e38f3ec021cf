import type { ChartSpec } from '../charts/chart-spec.js';
import type { ActorConsistencyResult } from './actor-consistency-audit.js';
import { formatFigure as f } from './format-figure.js';
import { drivingDecisions, judgedFigure, windowTable } from './report-sections.js';

/** The actor audit for people: agreement and regret, over training, and the decisions behind them. */
export const actorConsistencyReport = {
  title: 'actor–critic consistency',
  subtitle: (x: ActorConsistencyResult) =>
    x.yardstick === 'lookahead'
      ? `chosen action vs Q over the planner's ${x.final?.lookahead?.depth ?? x.lookahead?.depth}-step search = imagined return + discounted V where each searched plan ends`
      : "chosen action vs one-step Q = r̂ + γ(1 − done)V(ŝ')",
  summary(x: ActorConsistencyResult): string[] {
    // The sampled and search figures are context: the verdict does not judge them (yet).
    if (x.n === 0 && x.sampled !== null) return [`sampled regret ${f(x.sampled.mean_regret)} (not judged)`, `best sampled ${f(x.sampled.best_share)} (not judged)`];
    const final = x.final ?? undefined;
    const search = x.search === null ? [] : [`KL(visits‖prior) ${f(x.search.visit_prior_kl)} (not judged)`];
    if (x.yardstick === 'lookahead' && x.lookahead !== null) {
      const look = final?.lookahead ?? undefined;
      const depth = look?.depth ?? x.lookahead.depth;
      return [
        judgedFigure('agreement', look?.agreement, x.lookahead.agreement),
        judgedFigure('mean regret', look?.mean_regret, x.lookahead.mean_regret),
        judgedFigure('max regret', look?.max_regret, x.lookahead.max_regret),
        `of Q over the ${depth}-step search;`,
        judgedFigure('one-step agreement', final?.agreement, x.agreement, false),
      ];
    }
    return [judgedFigure('agreement', final?.agreement, x.agreement), judgedFigure('mean regret', final?.mean_regret, x.mean_regret), judgedFigure('max regret', final?.max_regret, x.max_regret), ...search];
  },
  details(x: ActorConsistencyResult): string[] {
    const lines: string[] = [];
    if (x.final) lines.push(`final, decisions ${x.final.first_decision}-${x.final.last_decision}: ${x.lookahead === null ? '' : 'one-step '}agreement ${f(x.final.agreement)}  mean regret ${f(x.final.mean_regret)}  max ${f(x.final.max_regret)}  own-score agreement ${f(x.final.own_score_agreement)}  actor-proposal agreement ${f(x.final.proposal_agreement)}`);
    for (const [label, y] of [['whole run', x], ['final', x.final]] as const) {
      if (y?.lookahead) lines.push(`against Q over the ${y.lookahead.depth}-step search (${label}, ${y.lookahead.n} decisions): agreement ${f(y.lookahead.agreement)}  mean regret ${f(y.lookahead.mean_regret)}  max ${f(y.lookahead.max_regret)}  relative ${f(y.lookahead.relative_regret)}  actor-proposal agreement ${f(y.lookahead.proposal_agreement)}`);
      if (y?.search) lines.push(`search vs actor prior (${label}, ${y.search.n} MCTS decisions): policy improvement E_visits[Q] − E_prior[Q] ${f(y.search.policy_improvement)}  KL(visits ‖ prior) ${f(y.search.visit_prior_kl)}  executed = most visited ${f(y.search.most_visited_share)}`);
      if (y?.sampled) lines.push(`continuous choices (${label}, ${y.sampled.n} decisions) against the best sampled candidate: chose the best ${f(y.sampled.best_share)}  mean regret ${f(y.sampled.mean_regret)}  max ${f(y.sampled.max_regret)}  relative ${f(y.sampled.relative_regret)}`);
    }
    if (x.disagreement_from_exploration !== null) lines.push(`${f(x.disagreement_from_exploration * 100, 0)}% of the non-maximising choices did not maximise the decision's own scores either (exploration)`);
    if (x.lookahead === null) lines.push(...windowTable('actor', ['AGREEMENT', 'MEAN_REGRET', 'MAX_REGRET'], x.windows, (w) => [f(w.agreement), f(w.mean_regret), f(w.max_regret)]));
    else {
      const h = `${x.lookahead.depth}-STEP`;
      lines.push(...windowTable('actor', [`${h}_AGREEMENT`, `${h}_MEAN_REGRET`, `${h}_MAX_REGRET`, 'ONE-STEP_AGREEMENT'], x.windows, (w) => [f(w.lookahead?.agreement ?? null), f(w.lookahead?.mean_regret ?? null), f(w.lookahead?.max_regret ?? null), f(w.agreement)]));
    }
    return [...lines, ...drivingDecisions(x)];
  },
  charts(x: ActorConsistencyResult): ChartSpec[] {
    const w = x.windows;
    return [
      {
        id: 'actorWindows', title: 'agreement and regret over training (by actor version window)', xLabel: 'first decision of window', yLabel: 'agreement', y2Label: 'mean regret', yRange: [0, 1], x: w.map((v) => v.first_decision),
        series: [
          ...(x.lookahead === null
            ? []
            : [
                { label: `agreement (${x.lookahead.depth}-step Q, judged)`, color: '#0969da', values: w.map((v) => v.lookahead?.agreement ?? null) },
                { label: `mean regret (${x.lookahead.depth}-step Q)`, color: '#9a6700', values: w.map((v) => v.lookahead?.mean_regret ?? null), axis: 'right' as const },
              ]),
          { label: x.lookahead === null ? 'agreement' : 'agreement (one-step Q)', color: '#1a7f37', values: w.map((v) => v.agreement) },
          { label: x.lookahead === null ? 'mean regret' : 'mean regret (one-step Q)', color: '#cf222e', values: w.map((v) => v.mean_regret), axis: 'right' },
        ],
      },
    ];
  },
};
