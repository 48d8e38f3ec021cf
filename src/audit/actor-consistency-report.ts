import type { ChartSpec } from '../charts/chart-spec.js';
import type { ActorConsistencyResult } from './actor-consistency-audit.js';
import { formatFigure as f } from './format-figure.js';
import { drivingDecisions, judgedFigure, windowTable } from './report-sections.js';

/** The actor audit for people: agreement and regret, over training, and the decisions behind them. */
export const actorConsistencyReport = {
  title: 'actor–critic consistency',
  subtitle: () => "chosen action vs one-step Q = r̂ + γ(1 − done)V(ŝ')",
  summary(x: ActorConsistencyResult): string[] {
    // The sampled and search figures are context: the verdict does not judge them (yet).
    if (x.n === 0 && x.sampled !== null) return [`sampled regret ${f(x.sampled.mean_regret)} (not judged)`, `best sampled ${f(x.sampled.best_share)} (not judged)`];
    const final = x.final ?? undefined;
    const search = x.search === null ? [] : [`KL(visits‖prior) ${f(x.search.visit_prior_kl)} (not judged)`];
    return [judgedFigure('agreement', final?.agreement, x.agreement), judgedFigure('mean regret', final?.mean_regret, x.mean_regret), judgedFigure('max regret', final?.max_regret, x.max_regret), ...search];
  },
  details(x: ActorConsistencyResult): string[] {
    const lines: string[] = [];
    if (x.final) lines.push(`final, decisions ${x.final.first_decision}-${x.final.last_decision}: agreement ${f(x.final.agreement)}  mean regret ${f(x.final.mean_regret)}  max ${f(x.final.max_regret)}  own-score agreement ${f(x.final.own_score_agreement)}  actor-proposal agreement ${f(x.final.proposal_agreement)}`);
    for (const [label, y] of [['whole run', x], ['final', x.final]] as const) {
      if (y?.search) lines.push(`search vs actor prior (${label}, ${y.search.n} MCTS decisions): policy improvement E_visits[Q] − E_prior[Q] ${f(y.search.policy_improvement)}  KL(visits ‖ prior) ${f(y.search.visit_prior_kl)}  executed = most visited ${f(y.search.most_visited_share)}`);
      if (y?.sampled) lines.push(`continuous choices (${label}, ${y.sampled.n} decisions) against the best sampled candidate: chose the best ${f(y.sampled.best_share)}  mean regret ${f(y.sampled.mean_regret)}  max ${f(y.sampled.max_regret)}  relative ${f(y.sampled.relative_regret)}`);
    }
    if (x.disagreement_from_exploration !== null) lines.push(`${f(x.disagreement_from_exploration * 100, 0)}% of the non-maximising choices did not maximise the decision's own scores either (exploration)`);
    lines.push(...windowTable('actor', ['AGREEMENT', 'MEAN_REGRET', 'MAX_REGRET'], x.windows, (w) => [f(w.agreement), f(w.mean_regret), f(w.max_regret)]));
    return [...lines, ...drivingDecisions(x)];
  },
  charts(x: ActorConsistencyResult): ChartSpec[] {
    const w = x.windows;
    return [
      {
        id: 'actorWindows', title: 'agreement and regret over training (by actor version window)', xLabel: 'first decision of window', yLabel: 'agreement', y2Label: 'mean regret', yRange: [0, 1], x: w.map((v) => v.first_decision),
        series: [
          { label: 'agreement', color: '#1a7f37', values: w.map((v) => v.agreement) },
          { label: 'mean regret', color: '#cf222e', values: w.map((v) => v.mean_regret), axis: 'right' },
        ],
      },
    ];
  },
};
