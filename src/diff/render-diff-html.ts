import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { diffReportJson } from './diff-report-json.js';
import type { DiffReport } from './diff-report.js';
import { formatDiffReport } from './format-diff-report.js';

let chartJs: string | null = null;

/** Chart.js's UMD build, read once from the installed package (inlined so the page needs no network). */
function chartJsSource(): string {
  if (chartJs === null) {
    const main = createRequire(import.meta.url).resolve('chart.js');
    chartJs = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  }
  return chartJs;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside a <script> element: `<` escaped so that no string in the data can close the element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A self-contained HTML page for a diff report: the text report, and charts of the per-step deltas
 * over the merge-join (|Δ root value|, flips, differing and unaligned decisions per bucket of
 * steps) and of the per-episode returns of both runs. Chart.js is inlined, so the file opens
 * offline and can be attached to a bug report as it is.
 */
export function renderDiffHtml(report: DiffReport): string {
  const title = `flightrec diff ${report.run_a} vs ${report.run_b}`;
  const verdict = report.identical ? 'identical' : 'runs differ';
  const data = diffReportJson(report, { series: true });
  const dw = report.series.decisions.width;
  const ew = report.series.episodes.width;
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
  .chart { position: relative; height: 280px; }
  .note { color: #5b6475; font-size: 12px; }
  pre { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; white-space: pre-wrap; margin: 0; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div><span class="verdict">${verdict}</span> <span class="note">${escapeHtml(`${report.aligned.toLocaleString('en-US')} aligned decisions · ${report.flips.count.toLocaleString('en-US')} action flips · diffed in ${report.stats.seconds.toFixed(2)} s`)}</span></div>

<h2>Per-step deltas over the merge-join${dw > 1 ? ` <span class="note">(buckets of ${dw} steps)</span>` : ''}</h2>
<div class="card"><div class="chart"><canvas id="root"></canvas></div>
<p class="note">|Δ root value|: |V_A − V_B| of each aligned decision's first critic.evaluated (bucket max and mean). Unaligned decisions have no value.</p></div>
<div class="card"><div class="chart"><canvas id="counts"></canvas></div>
<p class="note">What became of each decision, per bucket: aligned with the chosen action flipped; aligned, same action, but some event differs; aligned and identical; not aligned (only in one run, or a different observation at the same step).</p></div>

<h2>Episode returns${ew > 1 ? ` <span class="note">(buckets of ${ew} episodes, mean)</span>` : ''}</h2>
<div class="card"><div class="chart"><canvas id="episodes"></canvas></div></div>

<h2>Report</h2>
<div class="card"><pre>${escapeHtml(formatDiffReport(report).join('\n'))}</pre></div>

<script>${chartJsSource()}</script>
<script id="data" type="application/json">${scriptJson(data)}</script>
<script>
(function () {
  var report = JSON.parse(document.getElementById('data').textContent);
  var num = function (xs) { return xs.map(function (x) { return typeof x === 'number' ? x : null; }); };
  var d = report.series.decisions, e = report.series.episodes;
  var common = { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false }, plugins: { legend: { position: 'top' } } };
  new Chart(document.getElementById('root'), {
    type: 'line',
    data: { labels: d.label, datasets: [
      { label: '|Δ root value| (max)', data: num(d.channels.root_value_abs_delta_max), borderColor: '#c62828', backgroundColor: '#c62828', pointRadius: d.label.length > 200 ? 0 : 2, borderWidth: 1.5, spanGaps: false },
      { label: '|Δ root value| (mean)', data: num(d.channels.root_value_abs_delta_mean), borderColor: '#1565c0', backgroundColor: '#1565c0', pointRadius: 0, borderWidth: 1.2, spanGaps: false }
    ] },
    options: Object.assign({}, common, { scales: { x: { title: { display: true, text: '(episode, step) at bucket start' }, ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true, title: { display: true, text: '|Δ|' } } } })
  });
  var flips = num(d.channels.flips), differing = num(d.channels.differing);
  var bar = { barPercentage: 1, categoryPercentage: 1, borderWidth: 0 };
  new Chart(document.getElementById('counts'), {
    type: 'bar',
    data: { labels: d.label, datasets: [
      Object.assign({ label: 'action flipped', data: flips, backgroundColor: '#c62828' }, bar),
      Object.assign({ label: 'differs, same action', data: differing.map(function (x, i) { return x === null ? null : x - (flips[i] || 0); }), backgroundColor: '#f9a825' }, bar),
      Object.assign({ label: 'identical', data: num(d.channels.identical), backgroundColor: '#a5d6a7' }, bar),
      Object.assign({ label: 'not aligned', data: num(d.channels.unaligned), backgroundColor: '#90a4ae' }, bar)
    ] },
    options: Object.assign({}, common, { scales: { x: { stacked: true, title: { display: true, text: '(episode, step) at bucket start' }, ticks: { maxTicksLimit: 12 } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'decisions' } } } })
  });
  new Chart(document.getElementById('episodes'), {
    type: 'line',
    data: { labels: e.label, datasets: [
      { label: 'return A (' + report.run_a + ')', data: num(e.channels.return_a), borderColor: '#1565c0', backgroundColor: '#1565c0', pointRadius: e.label.length > 200 ? 0 : 2, borderWidth: 1.5 },
      { label: 'return B (' + report.run_b + ')', data: num(e.channels.return_b), borderColor: '#ef6c00', backgroundColor: '#ef6c00', pointRadius: e.label.length > 200 ? 0 : 2, borderWidth: 1.5, borderDash: [5, 3] }
    ] },
    options: Object.assign({}, common, { scales: { x: { title: { display: true, text: 'episode' }, ticks: { maxTicksLimit: 16 } }, y: { title: { display: true, text: 'return (episode.ended)' } } } })
  });
})();
</script>
</body>
</html>
`;
}
