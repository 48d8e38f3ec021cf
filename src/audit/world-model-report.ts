import type { ChartSpec } from '../charts/chart-spec.js';
import { formatFigure as f } from './format-figure.js';
import { drivingDecisions, windowTable } from './report-sections.js';
import type { WorldModelResult } from './world-model-audit.js';

/** The world-model audit for people: one-step and k-step error, optimism of plans, charts. */
export const worldModelReport = {
  title: 'world-model fidelity and exploitation',
  subtitle: () => 'prediction error by horizon; imagined − realized return of plans',
  summary(x: WorldModelResult): string[] {
    return [`one-step mse ${f(x.one_step_error)}`, `optimism ${f(x.optimism)} (not chosen ${f(x.optimism_non_chosen)})`, `done ECE ${f(x.done.calibration_error)}`];
  },
  details(x: WorldModelResult): string[] {
    const lines: string[] = [];
    lines.push(`one step: mse ${f(x.one_step_error)}  max |Δ| ${f(x.one_step_max_abs)}  mse/Var(next obs) ${f(x.relative_one_step_error)};  P(done): Brier ${f(x.done.brier)}  ECE ${f(x.done.calibration_error)}`);
    if (x.k_step.length > 0) lines.push(`k-step mse along chosen plans the agent followed: ${x.k_step.map((k) => `k=${k.k} ${f(k.error)} (n ${k.n})`).join('  ')}`);
    if (x.optimism_source !== null) lines.push(`optimism, imagined − realized return (${x.optimism_source}): chosen ${f(x.optimism)} (${x.optimism_plans.chosen} plans), not chosen ${f(x.optimism_non_chosen)} (${x.optimism_plans.non_chosen}); std of realized ${f(x.realized_return_std)}`);
    if (x.final) lines.push(`final, decisions ${x.final.first_decision}-${x.final.last_decision}: one-step mse ${f(x.final.one_step_error)}  optimism ${f(x.final.optimism)}  not chosen ${f(x.final.optimism_non_chosen)}`);
    lines.push(...windowTable('world-model', ['ONE_STEP_MSE', 'OPTIMISM', 'NOT_CHOSEN'], x.windows, (w) => [f(w.one_step_error), f(w.optimism), f(w.optimism_non_chosen)]));
    return [...lines, ...drivingDecisions(x)];
  },
  charts(x: WorldModelResult): ChartSpec[] {
    const k = x.k_step;
    return [
      {
        id: 'wmK', title: 'world-model error vs horizon k', xLabel: 'horizon', yLabel: 'mean MSE', x: k.map((_v, i) => i), categories: k.map((v) => `k=${v.k}`),
        series: [{ label: 'mean MSE (followed chosen plans)', color: '#0969da', values: k.map((v) => v.error), style: 'bars' }],
      },
      {
        id: 'wmOptimism', title: 'optimism: chosen vs not chosen', xLabel: 'plans', yLabel: 'imagined − realized return', x: [0, 1], categories: ['chosen plans', 'plans not chosen'],
        series: [{ label: 'imagined − realized return', color: '#cf222e', values: [x.optimism, x.optimism_non_chosen], style: 'bars' }],
      },
    ];
  },
};
