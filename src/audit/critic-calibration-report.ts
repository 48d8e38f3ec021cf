import type { ChartSpec } from '../charts/chart-spec.js';
import { formatTable } from '../text/format-table.js';
import type { CriticCalibrationResult } from './critic-calibration-audit.js';
import { formatFigure as f } from './format-figure.js';
import { drivingDecisions, judgedFigure, windowTable } from './report-sections.js';

/** The critic audit for people: key figures, the final window, calibration bins, charts. */
export const criticCalibrationReport = {
  title: 'critic calibration',
  subtitle: () => 'V(s_t) vs realized discounted return G_t',
  summary(x: CriticCalibrationResult): string[] {
    const final = x.final ?? undefined;
    // Explained variance and rank correlation go unjudged when the final returns barely vary (a note says so).
    const judged = (metric: string) => x.reasons.some((r) => r.metric === metric);
    return [
      judgedFigure('bias', final?.bias, x.bias),
      judgedFigure('rmse', final?.rmse, x.rmse),
      judgedFigure('expl.var', final?.explained_variance, x.explained_variance, final === undefined || judged('final.explained_variance')),
      judgedFigure('spearman', final?.rank_correlation, x.rank_correlation, final === undefined || judged('final.rank_correlation')),
      ...(x.exact_rmse !== null ? [judgedFigure('vs exact V^π: rmse', final?.exact_rmse, x.exact_rmse)] : []),
    ];
  },
  details(x: CriticCalibrationResult): string[] {
    const lines: string[] = [];
    if (x.final) lines.push(`final, decisions ${x.final.first_decision}-${x.final.last_decision}: bias ${f(x.final.bias)}  rmse ${f(x.final.rmse)}  expl.var ${f(x.final.explained_variance)}  spearman ${f(x.final.rank_correlation)}  G ${f(x.final.mean_return)} ± ${f(x.final.std_return)}${x.final.exact_rmse !== null ? `  vs exact V^π: bias ${f(x.final.exact_bias)} rmse ${f(x.final.exact_rmse)}` : ''}`);
    const exact = x.exact_rmse !== null;
    lines.push(...windowTable('critic', ['BIAS', 'RMSE', 'EXPL.VAR', 'SPEARMAN', ...(exact ? ['EXACT_RMSE'] : [])], x.windows, (w) => [f(w.bias), f(w.rmse), f(w.explained_variance), f(w.rank_correlation), ...(exact ? [f(w.exact_rmse)] : [])]));
    if (x.calibration.length > 0) {
      lines.push('calibration by value bin, whole run:');
      const t = formatTable(['V BIN', 'N', 'MEAN V', 'MEAN G', 'BIAS'], x.calibration.map((b) => [`[${f(b.lo, 2)}, ${f(b.hi, 2)})`, String(b.n), f(b.mean_predicted), f(b.mean_realized), f(b.bias)]), [1, 2, 3, 4]);
      lines.push(...t.map((l) => `  ${l}`));
    }
    return [...lines, ...drivingDecisions(x)];
  },
  charts(x: CriticCalibrationResult): ChartSpec[] {
    const pts = [...x.scatter].sort((a, b) => a[0] - b[0]);
    const w = x.windows;
    return [
      {
        id: 'criticScatter', title: 'critic value V(s_t) vs realized return G_t', xLabel: 'V(s_t)', yLabel: 'G_t', x: pts.map((p) => p[0]),
        series: [
          { label: 'decisions (sampled)', color: '#0969da', values: pts.map((p) => p[1]), style: 'points' },
          { label: 'V = G', color: '#cf222e', values: pts.map((p) => p[0]) },
        ],
      },
      {
        id: 'criticWindows', title: 'calibration over training (by critic version window)', xLabel: 'first decision of window', yLabel: 'error', x: w.map((v) => v.first_decision),
        series: [
          { label: 'bias', color: '#9a6700', values: w.map((v) => v.bias) },
          { label: 'rmse', color: '#0969da', values: w.map((v) => v.rmse) },
          ...(w.some((v) => v.exact_rmse !== null) ? [{ label: 'rmse vs exact V^π', color: '#8250df', values: w.map((v) => v.exact_rmse) }] : []),
        ],
      },
    ];
  },
};
