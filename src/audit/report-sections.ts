import { formatTable } from '../text/format-table.js';
import type { AuditOutcome } from './audit-types.js';

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
