import { formatTable } from '../text/format-table.js';
import type { AuditReport } from './audit-run.js';
import type { AuditOutcome } from './audit-types.js';
import { formatFigure as f } from './format-figure.js';

const MAX_WINDOW_ROWS = 6;
const MAX_DECISIONS = 5;

/** A table of an audit's figures per window of component versions; at most six rows, evenly spread (all are in --json). */
export function windowTable<W extends { first_decision: number; last_decision: number; versions: number; n: number }>(what: string, header: string[], windows: readonly W[], cells: (w: W) => string[]): string[] {
  if (windows.length <= 1) return [];
  const shown = windows.length <= MAX_WINDOW_ROWS ? windows : Array.from({ length: MAX_WINDOW_ROWS }, (_, i) => windows[Math.round((i * (windows.length - 1)) / (MAX_WINDOW_ROWS - 1))]!);
  const table = formatTable(['DECISIONS', 'VERSIONS', 'N', ...header], shown.map((w) => [`${w.first_decision}-${w.last_decision}`, String(w.versions), String(w.n), ...cells(w)]), [1, 2, ...header.map((_, i) => i + 3)]);
  return [`over training, ${windows.length} windows of consecutive ${what} versions${shown.length < windows.length ? ` (${shown.length} shown, all in --json)` : ''}:`, ...table.map((l) => `  ${l}`)];
}

/** The decisions that drive a verdict, most telling first. */
export function drivingDecisions(x: AuditOutcome): string[] {
  if (x.decisions.length === 0) return [];
  return ['decisions driving the verdict:', ...x.decisions.slice(0, MAX_DECISIONS).map((d) => `  ${String(d.decision).padStart(6)}  episode ${d.episode ?? '-'} step ${d.step ?? '-'}: ${d.why}`)];
}

/**
 * A figure as the verdict judged it, with the whole run's value beside it for context:
 * `agreement 0.987 (run 0.849)`. Convergence checks judge the final window, so the figure next
 * to their verdict must be the final window's; without a final window the whole run is all there is.
 * `judged: false` says the verdict left the figure out (a note says why), rather than showing a number it ignored.
 */
export function judgedFigure(label: string, final: number | null | undefined, whole: number | null, judged = true): string {
  if (final === undefined || (final === null && whole === null)) return `${label} ${f(whole)}`;
  return `${label} ${judged ? f(final) : 'not judged'} (run ${f(whole)})`;
}

/**
 * What was audited, in one line: a recorded run's env, episodes and decisions, or what a derived
 * run is. An open-loop replay re-decides every decision alone from its source's recorded state, so
 * it has decisions of the source's episodes but no episodes, outcomes or returns of its own.
 */
export function auditedRun(r: Pick<AuditReport, 'env' | 'episodes' | 'decisions' | 'gamma' | 'gamma_source' | 'kind' | 'overrides' | 'source_run'>): string {
  const gamma = r.gamma === null ? 'no γ' : `γ ${r.gamma}${r.gamma_source === '--gamma' ? ' (--gamma)' : ''}`;
  const env = r.env ?? 'unknown env';
  const changed = r.overrides.length > 0 ? ` (${r.overrides.join(' ')})` : '';
  if (r.kind === 'open-loop') {
    return `open-loop replay of ${r.source_run ?? 'an unknown run'}${changed}, ${env}: ${r.decisions} decisions of ${r.episodes} recorded episodes, each re-decided alone from the recorded state (no outcomes, returns or episodes of its own), ${gamma}`;
  }
  const what = r.kind === 'closed-loop' ? `closed-loop replay of ${r.source_run ?? 'an unknown run'}${changed}, ` : '';
  return `${what}${env}, ${r.episodes} episodes, ${r.decisions} decisions, ${gamma}`;
}
