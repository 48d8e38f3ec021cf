import type { AuditReport } from './audit-run.js';
import type { AuditOutcome, Verdict } from './audit-types.js';
import { formatFigure as f } from './format-figure.js';
import { FINAL_SHARE, THRESHOLDS } from './thresholds.js';

const COLOR: Record<Verdict, string> = { pass: '#1a7f37', warn: '#9a6700', fail: '#cf222e', not_available: '#6e7781' };

/**
 * The audit as one self-contained HTML page: verdict tables and charts (critic value vs realized
 * return, agreement and regret over training, world-model error vs horizon, reward vs reference
 * return per episode), with chart.js inlined so that it opens without a network.
 */
export function renderAuditHtml(r: AuditReport, chartJs: string): string {
  const c = r.checks;
  const data = {
    critic: c.critic ? { scatter: c.critic.scatter, windows: c.critic.windows.map((w) => ({ x: w.first_decision, bias: w.bias, rmse: w.rmse, exact: w.exact_rmse })) } : null,
    actor: c.actor ? { windows: c.actor.windows.map((w) => ({ x: w.first_decision, agreement: w.agreement, regret: w.mean_regret })) } : null,
    world_model: c.world_model ? { k: c.world_model.k_step, optimism: [c.world_model.optimism, c.world_model.optimism_non_chosen] } : null,
    reward: c.reward && c.reward.reference !== null ? { series: c.reward.series, reference: c.reward.reference } : null,
  };
  const summary = [
    c.critic && row('critic', c.critic, `bias ${f(c.critic.bias)} · rmse ${f(c.critic.rmse)} · explained variance ${f(c.critic.explained_variance)} · Spearman ${f(c.critic.rank_correlation)}${c.critic.exact_rmse !== null ? ` · vs exact V^π rmse ${f(c.critic.exact_rmse)}` : ''}`),
    c.actor && row('actor', c.actor, `agreement ${f(c.actor.agreement)} · mean regret ${f(c.actor.mean_regret)} · max regret ${f(c.actor.max_regret)}`),
    c.world_model && row('world-model', c.world_model, `one-step MSE ${f(c.world_model.one_step_error)} · optimism ${f(c.world_model.optimism)} (not chosen ${f(c.world_model.optimism_non_chosen)}) · done ECE ${f(c.world_model.done.calibration_error)}`),
    c.reward && row('reward', c.reward, c.reward.reference === null ? 'no reference reward' : `rank correlation ${f(c.reward.rank_correlation)} · hacking episodes ${c.reward.hacking_episodes} of ${c.reward.judged_episodes} · reference ${esc(c.reward.reference)}`),
  ].filter(Boolean).join('');
  const sections = [
    c.critic && section('Critic calibration', 'V(s_t) against the realized discounted return G_t', c.critic, ['criticScatter', 'criticWindows']),
    c.actor && section('Actor–critic consistency', "chosen action against one-step Q = r̂ + γ(1 − done)·V(ŝ')", c.actor, ['actorWindows']),
    c.world_model && section('World-model fidelity and exploitation', 'prediction error by horizon; imagined − realized return of plans', c.world_model, ['wmK', 'wmOptimism']),
    c.reward && section('Reward divergence', `recorded reward against ${esc(c.reward.reference ?? 'a reference (none available)')}`, c.reward, c.reward.reference === null ? [] : ['rewardSeries']),
  ].filter(Boolean).join('');
  const thresholds = Object.entries(THRESHOLDS)
    .flatMap(([check, rules]) => Object.entries(rules).map(([name, t]) => `<tr><td>${check}</td><td>${name}</td><td>${t.kind === 'min' ? '&lt;' : '&gt;'} ${t.warn}</td><td>${t.kind === 'min' ? '&lt;' : '&gt;'} ${t.fail}</td><td>${esc(t.rationale)}</td></tr>`))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>flightrec audit ${esc(r.run)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1f2328;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#57606a;margin:0 0 16px}table{border-collapse:collapse;width:100%;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.v{font-weight:700;text-transform:uppercase;color:#fff;border-radius:4px;padding:1px 6px;font-size:12px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}.charts.one{grid-template-columns:1fr}.chart{height:280px;position:relative}
ul{margin:4px 0;padding-left:20px}.note{color:#57606a}code{font-size:12px}
</style></head><body>
<h1>flightrec audit: run <code>${esc(r.run)}</code></h1>
<p class="sub">${esc(r.env ?? 'unknown env')} · ${r.episodes} episodes · ${r.decisions} decisions · ${r.gamma === null ? 'no γ' : `γ ${r.gamma}`} · critic, actor and world-model verdicts judge the last ${FINAL_SHARE * 100}% of decisions</p>
<table><tr><th>check</th><th>verdict</th><th>key figures (whole run)</th></tr>${summary}</table>
${sections}
<h2>Thresholds</h2><table><tr><th>check</th><th>figure</th><th>warn</th><th>fail</th><th>rationale</th></tr>${thresholds}</table>
<script>${chartJs}</script>
<script type="application/json" id="audit-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${CHARTS}</script>
</body></html>
`;
}

function row(name: string, x: AuditOutcome, figures: string): string {
  return `<tr><td>${name}</td><td>${badge(x.verdict)}</td><td>${figures}</td></tr>`;
}

function badge(v: Verdict): string {
  return `<span class="v" style="background:${COLOR[v]}">${v.replace('_', ' ')}</span>`;
}

function section(title: string, sub: string, x: AuditOutcome, charts: string[]): string {
  const reasons = x.reasons.map((r) => `<li>${badge(r.verdict)} ${esc(r.message)}</li>`).join('');
  const notes = x.notes.map((n) => `<li class="note">${esc(n)}</li>`).join('');
  const decisions = x.decisions.length === 0 ? '' : `<table><tr><th>decision</th><th>episode</th><th>step</th><th>why</th></tr>${x.decisions.map((d) => `<tr><td><code>${d.decision}</code></td><td>${d.episode ?? '-'}</td><td>${d.step ?? '-'}</td><td>${esc(d.why)}</td></tr>`).join('')}</table>`;
  const canvases = charts.length === 0 ? '' : `<div class="charts${charts.length === 1 ? ' one' : ''}">${charts.map((id) => `<div class="chart"><canvas id="${id}"></canvas></div>`).join('')}</div>`;
  return `<h2>${title} ${badge(x.verdict)}</h2><p class="sub">${sub}</p><ul>${reasons}${notes}</ul>${canvases}${decisions}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

// Runs in the page: draws the charts from the embedded data (animation off, so a screenshot sees them drawn).
const CHARTS = `
const D = JSON.parse(document.getElementById('audit-data').textContent);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
const title = (text) => ({ title: { display: true, text } });
const line = (id, labels, sets, opts) => document.getElementById(id) && new Chart(document.getElementById(id), { type: 'line', data: { labels, datasets: sets }, options: opts });
if (D.critic) {
  const pts = D.critic.scatter.map(([x, y]) => ({ x, y }));
  const all = pts.flatMap((p) => [p.x, p.y]);
  const lo = Math.min(...all), hi = Math.max(...all);
  new Chart(document.getElementById('criticScatter'), { type: 'scatter', data: { datasets: [
    { label: 'decisions (sampled)', data: pts, pointRadius: 2, backgroundColor: 'rgba(9,105,218,0.45)' },
    { label: 'V = G', type: 'line', data: [{ x: lo, y: lo }, { x: hi, y: hi }], borderColor: '#cf222e', pointRadius: 0, borderWidth: 1 } ] },
    options: { plugins: title('critic value V(s_t) vs realized return G_t'), scales: { x: { title: { display: true, text: 'V(s_t)' } }, y: { title: { display: true, text: 'G_t' } } } } });
  const w = D.critic.windows;
  line('criticWindows', w.map((x) => x.x), [
    { label: 'bias', data: w.map((x) => x.bias), borderColor: '#9a6700' },
    { label: 'rmse', data: w.map((x) => x.rmse), borderColor: '#0969da' },
    ...(w.some((x) => x.exact !== null) ? [{ label: 'rmse vs exact V^π', data: w.map((x) => x.exact), borderColor: '#8250df' }] : []) ],
    { plugins: title('calibration over training (by critic version window)'), scales: { x: { title: { display: true, text: 'first decision of window' } } } });
}
if (D.actor) {
  const w = D.actor.windows;
  line('actorWindows', w.map((x) => x.x), [
    { label: 'agreement', data: w.map((x) => x.agreement), borderColor: '#1a7f37', yAxisID: 'y' },
    { label: 'mean regret', data: w.map((x) => x.regret), borderColor: '#cf222e', yAxisID: 'y1' } ],
    { plugins: title('agreement and regret over training (by actor version window)'), scales: { y: { min: 0, max: 1, title: { display: true, text: 'agreement' } }, y1: { position: 'right', min: 0, grid: { drawOnChartArea: false }, title: { display: true, text: 'mean regret' } }, x: { title: { display: true, text: 'first decision of window' } } } });
}
if (D.world_model) {
  const k = D.world_model.k;
  new Chart(document.getElementById('wmK'), { type: 'bar', data: { labels: k.map((x) => 'k=' + x.k), datasets: [{ label: 'mean MSE (followed chosen plans)', data: k.map((x) => x.error), backgroundColor: '#0969da' }] },
    options: { plugins: title('world-model error vs horizon k') } });
  new Chart(document.getElementById('wmOptimism'), { type: 'bar', data: { labels: ['chosen plans', 'plans not chosen'], datasets: [{ label: 'imagined − realized return', data: D.world_model.optimism, backgroundColor: ['#cf222e', '#6e7781'] }] },
    options: { plugins: title('optimism: chosen vs not chosen') } });
}
if (D.reward) {
  const s = D.reward.series;
  line('rewardSeries', s.map((x) => x.episode), [
    { label: 'reward return', data: s.map((x) => x.reward), borderColor: '#0969da', yAxisID: 'y', pointRadius: s.map((x) => (x.hacking ? 4 : 0)), pointBackgroundColor: '#cf222e' },
    { label: 'reference return (' + D.reward.reference + ')', data: s.map((x) => x.reference), borderColor: '#1a7f37', yAxisID: 'y1', pointRadius: 0 } ],
    { plugins: title('reward vs reference return per episode (red: hacking episodes)'), scales: { y: { title: { display: true, text: 'reward return' } }, y1: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'reference return' } }, x: { title: { display: true, text: 'episode' } } } });
}
`;
