import type { DeltaSummary } from './delta-stat.js';
import type { DiffReport } from './diff-report.js';
import { actionLabel } from '../show/action-names.js';
import { formatNumber } from './render-value.js';

/**
 * A diff report for people, as lines: the verdict and the first divergence first, then alignment,
 * the per-component deltas table, versions and episode returns. Concise: counts and the first
 * few examples, never one line per decision. Actions are named when `actionNames` (run A's environment) names them.
 */
export function formatDiffReport(r: DiffReport, options: { actionNames?: readonly string[] | null } = {}): string[] {
  const act = (a: unknown) => actionLabel(a, options.actionNames ?? null);
  const out: string[] = [];
  const A = `run A  ${r.run_a}`;
  const B = `run B  ${r.run_b}`;
  out.push(`${A}${r.source_run_a ? `   (derived from ${r.source_run_a})` : ''}`);
  out.push(`${B}${r.source_run_b ? `   (derived from ${r.source_run_b})` : ''}`);
  if (r.identical) {
    out.push('');
    out.push(`identical: ${int(r.aligned)} decisions aligned by (episode, step), no difference in any compared event, component version or episode end (${int(r.episodes.compared)} episodes)`);
    return out;
  }
  out.push('');
  const f = r.first_divergence;
  if (f === null) {
    out.push('first divergence: none — every aligned decision has the same input, outputs and choice; the runs differ in what is listed below');
  } else {
    const where = `episode ${f.episode}, step ${f.step} (decision ${f.decision_a} in A, ${f.decision_b} in B)`;
    const what = f.kind === 'input' ? 'input: the decision saw something different' : f.kind === 'deliberation' ? 'deliberation: same input, different output' : 'outcome: same decision, different env.stepped';
    out.push(`first divergence at ${where}`);
    out.push(`  ${what}`);
    out.push(`  ${f.event_type}${f.occurrence > 0 ? ` #${f.occurrence}` : ''} · ${f.field}${f.seq_a !== null || f.seq_b !== null ? `   (seq ${f.seq_a ?? '-'} in A, ${f.seq_b ?? '-'} in B)` : ''}`);
    out.push(`    A: ${f.text_a}`);
    out.push(`    B: ${f.text_b}`);
  }

  out.push('');
  out.push('alignment by (episode, step), observations compared by content');
  const u = r.unaligned;
  const firstOf = (k: string | null) => (k === null ? '' : `   first at ${k}`);
  out.push(...table(['', 'DECISIONS', ''], [
    ['in A', int(r.decisions.a), ''],
    ['in B', int(r.decisions.b), ''],
    ['aligned', int(r.aligned), ''],
    ['  of which differ', int(r.differing_decisions), byType(r.differing_by_type)],
    ['only in A', int(u.only_in_a), firstOf(r.first_unaligned.only_in_a).trim()],
    ['only in B', int(u.only_in_b), firstOf(r.first_unaligned.only_in_b).trim()],
    ['observation differs', int(u.observation_differs), firstOf(r.first_unaligned.observation_differs).trim()],
  ], [1]).map((l) => `  ${l}`).slice(1));

  out.push('');
  if (r.aligned === 0) {
    out.push('deltas: no aligned decisions to compare');
  } else {
    out.push(`deltas over ${int(r.aligned)} aligned decisions (|A − B|)`);
    const d = r.deltas;
    const row = (component: string, quantity: string, s: DeltaSummary): string[] => [
      component,
      quantity,
      int(s.values),
      num(s.mean_abs),
      num(s.max_abs),
      `${int(s.differing)}${s.nonfinite ? ` (+${int(s.nonfinite)} non-finite)` : ''}${s.shape_mismatches ? ` (${int(s.shape_mismatches)} shape mismatches)` : ''}`,
    ];
    out.push(
      ...table(['COMPONENT', 'QUANTITY', 'VALUES', 'MEAN', 'MAX', 'DIFFERING'], [
        row('critic', 'root value', d.critic.root_value),
        row('critic', 'values, all rows', d.critic.values),
        row('world_model', 'next_states', d.world_model.next_states),
        row('reward', 'rewards', d.reward.rewards),
        row('actor', 'KL(A‖B) of probs', d.actor.kl),
        row('planner', 'chosen value', d.planner.chosen_value),
      ], [2, 3, 4]).map((l) => `  ${l}`),
    );
    const top = d.planner.top_candidate;
    out.push(`  planner top candidate (argmax of actor.chose scores) differs in ${int(top.differing)} of ${int(top.pairs)} decisions${pct(top.share)}`);
    out.push(`  action flips: ${int(r.flips.count)} of ${int(r.aligned)} decisions${pct(r.flips.share)}`);
    if (r.flips.first.length > 0) {
      const listed = r.flips.first.map((x) => `(${x.episode}, ${x.step}) A#${x.decision_a} ${act(x.action_a)} → B#${x.decision_b} ${act(x.action_b)}`);
      out.push(`    first: ${listed.slice(0, 5).join('; ')}${r.flips.count > 5 ? '; …' : ''}`);
    }
  }

  out.push('');
  if (r.versions.length === 0) {
    out.push('versions: every component at the same version in every aligned decision');
  } else {
    out.push('versions (decision.started) that differ in aligned decisions');
    out.push(
      ...table(['COMPONENT', 'ROLE', 'DECISIONS', 'FIRST AT', 'A', 'B'], r.versions.map((v) => [v.component_b === undefined ? v.component : `${v.component} → ${v.component_b}`, v.role ?? '-', int(v.differing), v.first ? `(${v.first.episode}, ${v.first.step})` : '-', v.first?.a ?? '-', v.first?.b ?? '-']), [2]).map((l) => `  ${l}`),
    );
  }

  out.push('');
  const e = r.episodes;
  out.push(`episodes: ${int(e.a)} ended in A, ${int(e.b)} in B; ${int(e.compared)} in both, of which ${int(e.differing)} differ${e.only_in_a || e.only_in_b ? `; only in A ${int(e.only_in_a)}, only in B ${int(e.only_in_b)}` : ''}`);
  if (e.compared > 0) out.push(`  |Δ return|: mean ${num(e.mean_abs_delta_return)}, max ${num(e.max_abs_delta_return)}`);
  if (e.first_differing.length > 0) {
    out.push(
      ...table(
        ['EPISODE', 'RETURN A', 'RETURN B', 'Δ', 'LENGTH A', 'LENGTH B'],
        e.first_differing.slice(0, 5).map((x) => [String(x.episode), show(x.return_a), show(x.return_b), delta(x.return_a, x.return_b), String(x.length_a), String(x.length_b)]),
        [0, 1, 2, 3, 4, 5],
      ).map((l) => `  ${l}`),
    );
    if (e.differing > 5) out.push(`  … and ${int(e.differing - 5)} more`);
  }
  const s = r.stats;
  if (s.orphan_events_a + s.orphan_events_b + s.unfinished_decisions_a + s.unfinished_decisions_b > 0) {
    out.push('');
    out.push(`note: events outside any decision (not compared): A ${int(s.orphan_events_a)}, B ${int(s.orphan_events_b)}; decisions without env.stepped: A ${int(s.unfinished_decisions_a)}, B ${int(s.unfinished_decisions_b)}`);
  }
  return out;
}

function byType(m: Readonly<Record<string, number>>): string {
  const entries = Object.entries(m).sort((x, y) => y[1] - x[1]);
  const shown = entries.slice(0, 4).map(([t, n]) => `${t} ${int(n)}`);
  return entries.length > 4 ? `${shown.join(', ')}, … (${entries.length - 4} more types)` : shown.join(', ');
}

function int(n: number): string {
  return n.toLocaleString('en-US');
}

function num(x: number | null): string {
  return x === null ? '-' : formatNumber(x);
}

function pct(share: number | null): string {
  if (share === null) return '';
  return ` (${share === 0 ? '0' : share < 0.0001 ? '<0.01' : (share * 100).toFixed(2)}%)`;
}

function show(v: unknown): string {
  return typeof v === 'number' ? formatNumber(v) : JSON.stringify(v);
}

function delta(a: unknown, b: unknown): string {
  return typeof a === 'number' && typeof b === 'number' ? formatNumber(b - a) : '-';
}

/** Aligned columns, two spaces apart; columns in `right` right-aligned; no trailing blanks. */
function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
