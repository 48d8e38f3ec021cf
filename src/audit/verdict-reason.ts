import type { VerdictReason } from './audit-types.js';
import { formatFigure } from './format-figure.js';
import { judge, type Threshold } from './thresholds.js';

/** Judges a figure against a rule and says so in one line, e.g. "explained variance 0.31 (warn < 0.5, fail < 0)". */
export function verdictReason(metric: string, label: string, value: number | null, t: Threshold): VerdictReason {
  const op = t.kind === 'min' ? '<' : '>';
  return { metric, value, verdict: judge(value, t), message: `${label} ${formatFigure(value)} (warn ${op} ${t.warn}, fail ${op} ${t.fail})` };
}
