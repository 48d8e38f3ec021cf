import type { ChartSpec } from '../charts/chart-spec.js';
import { chartSlot, inlineCharts } from '../charts/inline-charts.js';
import type { AuditReport } from './audit-run.js';
import type { AuditOutcome, Verdict } from './audit-types.js';
import { auditsNamed, CHECK_NAMES } from './audits.js';
import { auditedRun } from './report-sections.js';
import { FINAL_SHARE, THRESHOLDS } from './thresholds.js';

const COLOR: Record<Verdict, string> = { pass: '#1a7f37', warn: '#9a6700', fail: '#cf222e', not_available: '#6e7781' };

/**
 * The audit as one self-contained HTML page: verdict tables and charts (critic value vs realized
 * return, agreement and regret over training, what the planner imagined k steps ahead against
 * what happened, reward vs reference return per episode with the reward the reference does not
 * pay for), with uPlot inlined so that it opens without a network.
 */
export function renderAuditHtml(r: AuditReport): string {
  const results = r.checks as Record<string, AuditOutcome | undefined>;
  const ran = auditsNamed(CHECK_NAMES).flatMap((d) => (results[d.key] ? [{ d, x: results[d.key]! }] : []));
  const charts = inlineCharts(ran.flatMap(({ d, x }) => d.charts(x).filter(hasData)));
  const summary = ran.map(({ d, x }) => row(d.name, x, d.summary(x).map(esc).join(' · '))).join('');
  const sections = ran.map(({ d, x }) => section(d.title[0]!.toUpperCase() + d.title.slice(1), esc(d.subtitle(x)), x, d.charts(x).filter(hasData).map((c) => c.id))).join('');
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
<p class="sub">${esc(auditedRun(r))} · critic, actor and world-model verdicts judge the last ${FINAL_SHARE * 100}% of decisions</p>
<table><tr><th>check</th><th>verdict</th><th>judged figures (whole run in parentheses)</th></tr>${summary}</table>
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

/** The audit's charts as data, by the check's JSON key; the viewer draws the same specs. */
export function auditCharts(r: AuditReport): Record<string, ChartSpec[]> {
  const results = r.checks as Record<string, AuditOutcome | undefined>;
  return Object.fromEntries(auditsNamed(CHECK_NAMES).flatMap((d) => (results[d.key] ? [[d.key, d.charts(results[d.key]!).filter(hasData)]] : [])));
}

/** Each check's judged figures (whole run in parentheses), as the summary tables show them; the viewer shows the same. */
export function auditFigures(r: AuditReport): Record<string, string[]> {
  const results = r.checks as Record<string, AuditOutcome | undefined>;
  return Object.fromEntries(auditsNamed(CHECK_NAMES).flatMap((d) => (results[d.key] ? [[d.key, d.summary(results[d.key]!)]] : [])));
}

/** A chart with something to draw: an audit with nothing to judge (a derived run's critic) gets no empty frame. */
function hasData(c: ChartSpec): boolean {
  return c.x.length > 0 && c.series.some((s) => s.values.some((v) => v !== null));
}
