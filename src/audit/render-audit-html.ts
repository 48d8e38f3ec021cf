import type { ChartSpec } from '../charts/chart-spec.js';
import { chartSlot, inlineCharts } from '../charts/inline-charts.js';
import type { AuditReport } from './audit-run.js';
import type { AuditOutcome, Verdict } from './audit-types.js';
import { formatFigure as f } from './format-figure.js';
import { FINAL_SHARE, THRESHOLDS } from './thresholds.js';

const COLOR: Record<Verdict, string> = { pass: '#1a7f37', warn: '#9a6700', fail: '#cf222e', not_available: '#6e7781' };

/**
 * The audit as one self-contained HTML page: verdict tables and charts (critic value vs realized
 * return, agreement and regret over training, world-model error vs horizon, reward vs reference
 * return per episode), with uPlot inlined so that it opens without a network.
 */
export function renderAuditHtml(r: AuditReport): string {
  const c = r.checks;
  const charts = inlineCharts(auditCharts(r));
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
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}.charts.one{grid-template-columns:1fr}.chart{min-height:300px;position:relative;overflow:hidden}
ul{margin:4px 0;padding-left:20px}.note{color:#57606a}code{font-size:12px}
</style>${charts.head}</head><body>
<h1>flightrec audit: run <code>${esc(r.run)}</code></h1>
<p class="sub">${esc(r.env ?? 'unknown env')} · ${r.episodes} episodes · ${r.decisions} decisions · ${r.gamma === null ? 'no γ' : `γ ${r.gamma}`} · critic, actor and world-model verdicts judge the last ${FINAL_SHARE * 100}% of decisions</p>
<table><tr><th>check</th><th>verdict</th><th>key figures (whole run)</th></tr>${summary}</table>
${sections}
<h2>Thresholds</h2><table><tr><th>check</th><th>figure</th><th>warn</th><th>fail</th><th>rationale</th></tr>${thresholds}</table>
${charts.body}
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
  const canvases = charts.length === 0 ? '' : `<div class="charts${charts.length === 1 ? ' one' : ''}">${charts.map(chartSlot).join('')}</div>`;
  return `<h2>${title} ${badge(x.verdict)}</h2><p class="sub">${sub}</p><ul>${reasons}${notes}</ul>${canvases}${decisions}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

/**
 * The audit's charts as data (critic value vs realized return, calibration, agreement and regret
 * over training, world-model error vs horizon, optimism, reward vs reference return per episode);
 * the viewer draws the same specs.
 */
export function auditCharts(r: AuditReport): ChartSpec[] {
  const c = r.checks;
  const specs: ChartSpec[] = [];
  if (c.critic) {
    const pts = [...c.critic.scatter].sort((a, b) => a[0] - b[0]);
    specs.push({
      id: 'criticScatter', title: 'critic value V(s_t) vs realized return G_t', xLabel: 'V(s_t)', yLabel: 'G_t', x: pts.map((p) => p[0]),
      series: [
        { label: 'decisions (sampled)', color: '#0969da', values: pts.map((p) => p[1]), style: 'points' },
        { label: 'V = G', color: '#cf222e', values: pts.map((p) => p[0]) },
      ],
    });
    const w = c.critic.windows;
    specs.push({
      id: 'criticWindows', title: 'calibration over training (by critic version window)', xLabel: 'first decision of window', yLabel: 'error', x: w.map((x) => x.first_decision),
      series: [
        { label: 'bias', color: '#9a6700', values: w.map((x) => x.bias) },
        { label: 'rmse', color: '#0969da', values: w.map((x) => x.rmse) },
        ...(w.some((x) => x.exact_rmse !== null) ? [{ label: 'rmse vs exact V^π', color: '#8250df', values: w.map((x) => x.exact_rmse) }] : []),
      ],
    });
  }
  if (c.actor) {
    const w = c.actor.windows;
    specs.push({
      id: 'actorWindows', title: 'agreement and regret over training (by actor version window)', xLabel: 'first decision of window', yLabel: 'agreement', y2Label: 'mean regret', yRange: [0, 1], x: w.map((x) => x.first_decision),
      series: [
        { label: 'agreement', color: '#1a7f37', values: w.map((x) => x.agreement) },
        { label: 'mean regret', color: '#cf222e', values: w.map((x) => x.mean_regret), axis: 'right' },
      ],
    });
  }
  if (c.world_model) {
    const k = c.world_model.k_step;
    specs.push({
      id: 'wmK', title: 'world-model error vs horizon k', xLabel: 'horizon', yLabel: 'mean MSE', x: k.map((_x, i) => i), categories: k.map((x) => `k=${x.k}`),
      series: [{ label: 'mean MSE (followed chosen plans)', color: '#0969da', values: k.map((x) => x.error), style: 'bars' }],
    });
    specs.push({
      id: 'wmOptimism', title: 'optimism: chosen vs not chosen', xLabel: 'plans', yLabel: 'imagined − realized return', x: [0, 1], categories: ['chosen plans', 'plans not chosen'],
      series: [{ label: 'imagined − realized return', color: '#cf222e', values: [c.world_model.optimism, c.world_model.optimism_non_chosen], style: 'bars' }],
    });
  }
  if (c.reward && c.reward.reference !== null) {
    const s = c.reward.series;
    specs.push({
      id: 'rewardSeries', title: 'reward vs reference return per episode (red: hacking episodes)', xLabel: 'episode', yLabel: 'reward return', y2Label: 'reference return', x: s.map((x) => x.episode),
      series: [
        { label: 'reward return', color: '#0969da', values: s.map((x) => x.reward) },
        { label: 'hacking episodes', color: '#cf222e', values: s.map((x) => (x.hacking ? x.reward : null)), style: 'points' },
        { label: `reference return (${c.reward.reference})`, color: '#1a7f37', values: s.map((x) => x.reference), axis: 'right' },
      ],
    });
  }
  return specs;
}
