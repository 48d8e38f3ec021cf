import type { ChartSpec } from '../charts/chart-spec.js';
import { formatFigure as f } from './format-figure.js';
import { drivingDecisions, judgedFigure, windowTable } from './report-sections.js';
import type { WorldModelResult } from './world-model-audit.js';

/** The world-model audit for people: one-step and k-step error, optimism of plans, charts. */
export const worldModelReport = {
  title: 'world-model fidelity and exploitation',
  subtitle: () => 'prediction error by horizon; imagined − realized return of plans',
  summary(x: WorldModelResult): string[] {
    const final = x.final ?? undefined;
    // P(done) calibration is judged over the whole run (terminations are rare): no final figure for it.
    return [judgedFigure('one-step mse', final?.one_step_error, x.one_step_error), judgedFigure('optimism', final?.optimism, x.optimism), judgedFigure('not chosen', final?.optimism_non_chosen, x.optimism_non_chosen), `done ECE ${f(x.done.calibration_error)}`];
  },
  details(x: WorldModelResult): string[] {
    const lines: string[] = [];
    lines.push(`one step: mse ${f(x.one_step_error)}  max |Δ| ${f(x.one_step_max_abs)}  mse/Var(next obs) ${f(x.relative_one_step_error)};  P(done): Brier ${f(x.done.brier)}  ECE ${f(x.done.calibration_error)}`);
    if (x.k_step.length > 0) {
      lines.push(`along chosen plans the agent followed, k steps ahead: state mse, and imagined / realized return of the first k steps`);
      lines.push(...x.k_step.map((k) => `  k=${k.k}  mse ${f(k.error)} (n ${k.n})  imagined ${f(k.imagined_return)}  realized ${f(k.realized_return)}`));
    }
    if (x.optimism_source !== null) lines.push(`optimism, imagined − realized return (${x.optimism_source}): chosen ${f(x.optimism)} (${x.optimism_plans.chosen} plans), not chosen ${f(x.optimism_non_chosen)} (${x.optimism_plans.non_chosen}); std of realized ${f(x.realized_return_std)}`);
    if (x.final) lines.push(`final, decisions ${x.final.first_decision}-${x.final.last_decision}: one-step mse ${f(x.final.one_step_error)}  optimism ${f(x.final.optimism)}  not chosen ${f(x.final.optimism_non_chosen)}`);
    lines.push(...windowTable('world-model', ['ONE_STEP_MSE', 'OPTIMISM', 'NOT_CHOSEN'], x.windows, (w) => [f(w.one_step_error), f(w.optimism), f(w.optimism_non_chosen)]));
    return [...lines, ...drivingDecisions(x)];
  },
  charts(x: WorldModelResult): ChartSpec[] {
    // From k = 0 (the real state the plan starts from) to the planner's horizon: what it counted on, step by step.
    const k = [{ k: 0, error: 0, imagined_return: 0, realized_return: 0 }, ...x.k_step];
    const horizon = x.k_step.length === 0 ? 0 : x.k_step[x.k_step.length - 1]!.k;
    return [
      {
        id: 'wmK', title: `what the planner imagined along its chosen plans, up to its horizon (${horizon} steps)`, xLabel: 'steps ahead k', yLabel: 'discounted return of the first k steps', y2Label: 'state MSE k steps ahead', x: k.map((v) => v.k),
        series: [
          { label: 'imagined return', color: '#0969da', values: k.map((v) => v.imagined_return) },
          { label: 'realized return (same actions)', color: '#1a7f37', values: k.map((v) => v.realized_return) },
          { label: 'state MSE', color: '#cf222e', values: k.map((v) => v.error), axis: 'right', style: 'dashed' },
        ],
      },
      {
        id: 'wmOptimism', title: 'optimism: chosen vs not chosen', xLabel: 'plans', yLabel: 'imagined − realized return', x: [0, 1], categories: ['chosen plans', 'plans not chosen'],
        series: [{ label: 'imagined − realized return', color: '#cf222e', values: [x.optimism, x.optimism_non_chosen], style: 'bars' }],
      },
    ];
  },
};
