import { summarizePayload } from '../text/summarize-payload.js';
import type { Action } from '../events/common-schemas.js';
import type { Tensor } from '../events/tensor.js';
import type { DecisionShow } from './show-decision.js';
import type { PlannerIterationView } from './show-iterations.js';
import { mctsTreeLines } from './show-mcts-tree.js';
import { treeLines, type TreeLinesOptions } from './show-tree-lines.js';
import { formatValue, formatValues } from './show-value.js';

/**
 * A decision for people, section by section: where, search, component calls, actor, choice,
 * outcome. Plain lines without colour; `showDecision` holds the same data for tools.
 */
export function formatDecisionShow(s: DecisionShow, options: TreeLinesOptions = {}): string[] {
  const out: string[] = [];
  out.push(`decision ${s.decision} of run ${s.run}${s.env === null ? '' : ` (${s.env})`}${s.source_run === null ? '' : `, derived from run ${s.source_run}`}`);
  out.push(`  episode ${s.episode ?? '-'}, step ${s.step ?? '-'}`);
  out.push(`  observation  ${observationText(s.observation)}`);
  out.push(`  rng_state    ${s.rng_state}`);
  out.push(`  versions     ${Object.entries(s.versions).map(([c, v]) => `${c}@${v ?? '-'}`).join('  ') || '-'}`);

  out.push('', 'search');
  if (s.iterations !== null) out.push(...iterationLines(s.iterations));
  else if (s.mcts !== null) out.push(...mctsTreeLines(s.mcts, options));
  else if (s.search === null) out.push('  no planner search recorded');
  else {
    const t = s.search;
    out.push(`  ${t.planner ?? '-'}@${t.version ?? '-'}  ${t.levels.map((l) => `depth ${l.depth}: ${l.nodes} nodes, ${l.expanded} expanded`).join('; ')}  (* = chosen plan)`);
    if (t.searches > 1) out.push(`  the decision searched ${t.searches} times; this is the last search`);
    out.push(...treeLines(t, s.action_names, options).map((l) => `  ${l}`));
  }

  out.push('', 'component calls');
  if (s.calls.length === 0) out.push('  none recorded');
  const typeWidth = Math.max(0, ...s.calls.map((c) => c.type.length));
  const whoWidth = Math.max(0, ...s.calls.map((c) => `${c.component ?? '-'}@${c.version ?? '-'}`.length));
  const batchWidth = Math.max(0, ...s.calls.map((c) => `[${c.batch.join(',')}]`.length));
  for (const c of s.calls) {
    const values = Object.entries(c.outputs)
      .filter(([k]) => k !== 'next_states' || Object.keys(c.outputs).length === 1)
      .map(([k, t]) => (c.label !== null && c.root_row !== null ? `${k} ${formatValue(t.data[c.root_row]!)}` : `${k} ${formatValues(t.data)}`));
    out.push(
      `  ${c.type.padEnd(typeWidth)}  ${`${c.component ?? '-'}@${c.version ?? '-'}`.padEnd(whoWidth)}  ${`[${c.batch.join(',')}]`.padEnd(batchWidth)}  ${values.join('  ')}${c.label === null ? '' : `  ← ${c.label}`}`.trimEnd(),
    );
  }

  out.push('', 'actor');
  if (s.actor === null) out.push('  no proposal at the observation recorded');
  else {
    const who = `${s.actor.component ?? '-'}@${s.actor.version ?? '-'}`;
    if (s.actor.probs !== null) out.push(`  ${who}  π(a|s): ${s.actor.probs.map((p) => `${p.name ?? p.index} ${formatValue(p.p)}`).join('  ')}`);
    else out.push(`  ${who}  mean ${formatValues(s.actor.mean ?? [])}  std ${formatValues(s.actor.std ?? [])}`);
  }

  out.push('', 'choice');
  if (s.choice === null) out.push('  no choice recorded');
  else {
    const c = s.choice;
    out.push(`  ${actionText(c.action, c.action_name)} chosen by ${c.chooser} (${c.component ?? '-'}@${c.version ?? '-'}), value ${c.value === null ? '-' : formatValue(c.value)}`);
    const labels = c.candidates.map((k) => `${k.index === c.chosen_index ? '* ' : '  '}${k.name ?? (typeof k.candidate === 'number' ? String(k.candidate) : `[${k.candidate.map(formatValue).join(', ')}]`)}`);
    const w = Math.max('candidate'.length + 2, ...labels.map((l) => l.length));
    const scores = c.candidates.map((k) => formatValue(k.score));
    const sw = Math.max(4, ...scores.map((x) => x.length));
    // An MCTS choice is scored by root visit counts, not by Q.
    out.push(`  ${'  candidate'.padEnd(w)}  ${(s.mcts === null ? 'Q(a)' : 'visits').padStart(sw)}`);
    c.candidates.forEach((k, i) => out.push(`  ${labels[i]!.padEnd(w)}  ${scores[i]!.padStart(sw)}${k.index === c.argmax_index ? '  ← argmax' : ''}`));
    const best = c.argmax_index === null ? null : c.candidates[c.argmax_index]!;
    if (c.kind === 'greedy') out.push('  greedy: the chosen candidate has the best score');
    else if (c.kind === 'exploration' && best) out.push(`  exploration: the best score was ${best.name ?? best.index} (${formatValue(best.score)}), not the chosen candidate`);
    else out.push('  no candidate has a numeric score');
  }

  if (s.other_events.length > 0) {
    out.push('', 'other events (registered families)');
    for (const e of s.other_events) out.push(`  seq ${e.seq}  ${e.type}${e.registered ? '' : ' (unregistered: pass --events <module>)'}  ${e.component ?? '-'}@${e.version ?? '-'}  ${summarizePayload(e.payload)}`);
  }
  out.push('', 'outcome');
  if (s.outcome === null) out.push(`  no outcome recorded ${s.source_run === null ? '(the run ended before the environment stepped)' : '(open-loop replay)'}`);
  else {
    const o = s.outcome;
    const end = o.terminated ? 'terminated' : o.truncated ? 'truncated' : 'episode continues';
    out.push(`  ${actionText(o.action, o.action_name)} → reward ${formatValue(o.reward)}, performance ${o.performance === null ? '-' : formatValue(o.performance)}, ${end}`);
    out.push(`  next observation  ${observationText(o.observation)}`);
  }
  return out;
}

function observationText(o: { tensor: Tensor; description: string | null }): string {
  const shape = `${o.tensor.dtype}[${o.tensor.shape.join(',')}]`;
  return o.description === null ? `${shape} ${formatValues(o.tensor.data, 8)}` : `${o.description}  (${shape})`;
}

function actionText(action: Action, name: string | null): string {
  if (typeof action !== 'number') return `action [${formatValues(action.data, 8)}]`;
  return name === null ? `action ${action}` : `${name} (action ${action})`;
}

/** A sampling planner's iterations: the first step's mean and std moving, and what the elites scored. */
function iterationLines(its: readonly PlannerIterationView[]): string[] {
  const first = its[0]!;
  const out = [`  ${first.method} over ${first.samples} samples (${first.from_actor} from the actor), ${first.elites} elites, ${its.length} iterations; first step's mean ± std`];
  const vec = (v: readonly number[]) => (v.length === 1 ? formatValue(v[0]!) : `[${formatValues(v)}]`);
  out.push(`    start  ${vec(first.mean_before)} ± ${vec(first.std_before)}${first.iteration === 0 ? '' : ''}`);
  for (const it of its) {
    out.push(`    it ${it.iteration}   ${vec(it.mean_after)} ± ${vec(it.std_after)}   elite scores best ${formatValue(it.best_elite_score)}, mean ${formatValue(it.mean_elite_score)}${it.samples_recorded ? '' : '   (samples not recorded)'}`);
  }
  const chosen = its[its.length - 1]!.chosen;
  if (chosen !== null) out.push(`  chose elite ${chosen.elite} (score ${chosen.score === null ? '-' : formatValue(chosen.score)}) → action ${vec(chosen.action)}`);
  return out;
}
