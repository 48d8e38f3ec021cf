import type { ChartSpec } from '../charts/chart-spec.js';
import { chartSlot, inlineCharts, scriptJson } from '../charts/inline-charts.js';
import { CHARTED_DELTAS } from './component-deltas.js';
import { deltaChannel } from './diff-accumulator.js';
import { diffReportJson } from './diff-report-json.js';

const DELTA_COLORS = ['#c62828', '#1565c0', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f'];
import type { DiffReport } from './diff-report.js';
import { formatDiffReport } from './format-diff-report.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A self-contained HTML page for a diff report: the text report, and charts of the per-step deltas
 * over the merge-join (each component output that moved, flips, differing and unaligned decisions per bucket of
 * steps) and of the per-episode returns of both runs. uPlot is inlined, so the file opens
 * offline and can be attached to a bug report as it is.
 */
export function renderDiffHtml(report: DiffReport, options: { actionNames?: readonly string[] | null } = {}): string {
  const title = `flightrec diff ${report.run_a} vs ${report.run_b}`;
  const verdict = report.identical ? 'identical' : 'runs differ';
  const data = diffReportJson(report, { series: true });
  const dw = report.series.decisions.width;
  const ew = report.series.episodes.width;
  const charts = inlineCharts(diffCharts(report));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1120px; padding: 0 16px; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 28px 0 8px; }
  .verdict { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; color: #fff; background: ${report.identical ? '#2e7d32' : '#c62828'}; }
  .card { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px 16px; margin: 10px 0; }
  .chart { position: relative; min-height: 300px; overflow: hidden; }
  .note { color: #5b6475; font-size: 12px; }
  pre { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; white-space: pre-wrap; margin: 0; }
</style>
${charts.head}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div><span class="verdict">${verdict}</span> <span class="note">${escapeHtml(`${report.aligned.toLocaleString('en-US')} aligned decisions · ${report.flips.count.toLocaleString('en-US')} action flips · diffed in ${report.stats.seconds.toFixed(2)} s`)}</span></div>

<h2>Per-step deltas over the merge-join${dw > 1 ? ` <span class="note">(buckets of ${dw} steps)</span>` : ''}</h2>
<div class="card">${chartSlot('root')}
<p class="note">Each component output that differs between the runs somewhere: the mean |Δ| over the elements of each aligned decision's events (rewards, the chosen action's value, V at the real state, every critic row, predicted next states; KL for the actor's proposals), averaged per bucket. Unaligned decisions have no value.</p></div>
<div class="card">${chartSlot('counts')}
<p class="note">What became of each decision, per bucket: aligned with the chosen action flipped; aligned, same action, but some event differs; aligned and identical; not aligned (only in one run, or a different observation at the same step).</p></div>

<h2>Episode returns${ew > 1 ? ` <span class="note">(buckets of ${ew} episodes, mean)</span>` : ''}</h2>
<div class="card">${chartSlot('episodes')}${missingReturns(report).map((m) => `<p class="note">${escapeHtml(m)}</p>`).join('')}</div>

<h2>Report</h2>
<div class="card"><pre>${escapeHtml(formatDiffReport(report, options).join('\n'))}</pre></div>

<script id="data" type="application/json">${scriptJson(data)}</script>
${charts.body}
</body>
</html>
`;
}

/**
 * The diff's charts as data: the mean |Δ| of each component output that moved, per bucket of the merge-join, what became of the
 * decisions in each bucket (stacked), and both runs' episode returns. The viewer draws the same specs.
 */
export function diffCharts(report: DiffReport): ChartSpec[] {
  const d = report.series.decisions;
  const e = report.series.episodes;
  const num = (xs: (number | null)[] | undefined) => (xs ?? []).map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null));
  const flips = num(d.channels.flips);
  const moved = CHARTED_DELTAS.map((c) => ({ ...c, values: num(d.channels[deltaChannel(c.stat)]) })).filter((c) => c.values.some((v) => v !== null && v > 0));
  const differing = num(d.channels.differing);
  return [
    {
      id: 'root', title: moved.length > 0 ? `what moved: ${moved.map((m) => m.label).join(', ')} (mean per decision, per bucket)` : 'what moved: no component output differs', xLabel: 'aligned position (decision index in the merge-join)', yLabel: 'mean |Δ|', x: d.x,
      // Only the quantities that differ somewhere: a flat line at 0 says nothing and hides the ones that moved.
      series: (moved.length > 0 ? moved : CHARTED_DELTAS.filter((c) => c.stat === 'critic.root_value').map((c) => ({ ...c, values: num(d.channels[deltaChannel(c.stat)]) }))).map((m, i) => ({ label: m.label, color: DELTA_COLORS[i % DELTA_COLORS.length]!, values: m.values })),
    },
    {
      id: 'counts', title: 'what became of each decision', xLabel: 'aligned position (decision index in the merge-join)', yLabel: 'decisions', x: d.x, stacked: true,
      series: [
        { label: 'action flipped', color: '#c62828', values: flips, style: 'bars' },
        { label: 'differs, same action', color: '#f9a825', values: differing.map((x, i) => (x === null ? null : x - (flips[i] ?? 0))), style: 'bars' },
        { label: 'identical', color: '#a5d6a7', values: num(d.channels.identical), style: 'bars' },
        { label: 'not aligned', color: '#90a4ae', values: num(d.channels.unaligned), style: 'bars' },
      ],
    },
    {
      id: 'episodes', title: missingReturns(report).length > 0 ? `episode returns (${missingReturns(report).map((m) => m.split(':')[0]).join('; ')})` : 'episode returns', xLabel: 'episode', yLabel: 'return (episode.ended)', x: e.x,
      // A run without returns gets no line (a legend entry for nothing reads as "B equals A").
      series: [
        { label: `return A (${report.run_a})`, color: '#1565c0', values: num(e.channels.return_a) },
        { label: `return B (${report.run_b})`, color: '#ef6c00', values: num(e.channels.return_b), style: 'dashed' as const },
      ].filter((sr) => sr.values.some((v) => v !== null)),
    },
  ];
}

/** Which run recorded no episode return, and why that is expected for a derived run. */
function missingReturns(report: DiffReport): string[] {
  const e = report.series.episodes.channels;
  const none = (xs: (number | null)[] | undefined) => !(xs ?? []).some((x) => typeof x === 'number' && Number.isFinite(x));
  const why = (source: string | null) => (source === null ? 'it ended no episode' : `it is derived from ${source}; an open-loop replay re-decides recorded states and ends no episode`);
  return [
    ...(none(e.return_a) ? [`run A has no episode returns: ${why(report.source_run_a)}`] : []),
    ...(none(e.return_b) ? [`run B has no episode returns: ${why(report.source_run_b)}`] : []),
  ];
}
