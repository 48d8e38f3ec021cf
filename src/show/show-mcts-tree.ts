import type { RecordedEvent } from '../events/registry.js';
import type { TreeLinesOptions } from './show-tree-lines.js';
import { formatValue } from './show-value.js';

/** One node of a recorded MCTS tree as `show` gives it. */
export interface MctsNodeView {
  node: number;
  /** −1 at the root. */
  parent: number;
  depth: number;
  /** Action from the parent (−1 at the root) and its name where the environment has names. */
  action: number;
  action_name: string | null;
  visits: number;
  /** Q of the edge from the parent: r̂ + discount · value (the root: its value). */
  q: number;
  value: number;
  raw_value: number;
  prior: number;
  reward: number;
  /** On the path the search prefers (the executed action, then the most visited children). */
  chosen: boolean;
}

export interface MctsTreeView {
  planner: string | null;
  version: string | null;
  simulations: number;
  root_noise: number[] | null;
  chosen_action: number;
  /** ε-exploration replaced the most visited action. */
  explored: boolean;
  chosen_path: number[];
  nodes: MctsNodeView[];
}

/** The decision's planner.searched tree (the last one when it searched more than once); null when it recorded none. */
export function mctsTree(events: readonly RecordedEvent<'planner.searched'>[], actionNames: readonly string[] | null): MctsTreeView | null {
  const e = events[events.length - 1];
  if (e === undefined) return null;
  const p = e.payload;
  const N = p.parents.data.length;
  const onPath = new Set(p.chosen_path);
  const depth: number[] = [];
  const nodes: MctsNodeView[] = [];
  for (let n = 0; n < N; n++) {
    const parent = p.parents.data[n]!;
    depth[n] = parent < 0 ? 0 : depth[parent]! + 1;
    const action = p.actions.data[n]!;
    const value = p.values.data[n]!;
    nodes.push({
      node: n,
      parent,
      depth: depth[n]!,
      action,
      action_name: action >= 0 ? (actionNames?.[action] ?? null) : null,
      visits: p.visits.data[n]!,
      q: parent < 0 ? value : p.rewards.data[n]! + p.discounts.data[n]! * value,
      value,
      raw_value: p.raw_values.data[n]!,
      prior: p.priors.data[n]!,
      reward: p.rewards.data[n]!,
      chosen: onPath.has(n),
    });
  }
  return {
    planner: e.component,
    version: e.version,
    simulations: p.simulations,
    root_noise: p.root_noise === null ? null : Array.from(p.root_noise.data),
    chosen_action: p.chosen_action,
    explored: p.explored,
    chosen_path: [...p.chosen_path],
    nodes,
  };
}

/**
 * An MCTS tree as indented lines: visited nodes depth first, most visited first, `*` on the
 * chosen path, each with its visits N, Q, prior P, reward and raw critic value. Unvisited children
 * (evaluated when their parent was expanded, never descended into) are summarised on one line,
 * and so are nodes past the per-node and total budgets.
 */
export function mctsTreeLines(t: MctsTreeView, options: TreeLinesOptions = {}): string[] {
  const perNode = Math.max(1, options.childrenPerNode ?? 5);
  const maxNodes = Math.max(1, options.maxNodes ?? 100);
  const kids = new Map<number, MctsNodeView[]>();
  for (const n of t.nodes) if (n.parent >= 0) kids.set(n.parent, [...(kids.get(n.parent) ?? []), n]);
  const root = t.nodes[0]!;
  const head = `  ${t.planner ?? '-'}@${t.version ?? '-'}  mcts over ${t.simulations} simulations, ${t.nodes.length} nodes, root visits ${root.visits}, value ${formatValue(root.value)} (raw ${formatValue(root.raw_value)})`;
  const out = [head];
  out.push(`  executed ${label(t.nodes[t.chosen_path[1] ?? 0]!)}: ${t.explored ? 'an ε-exploration step, not the most visited action' : 'the most visited action'}${t.root_noise === null ? '' : `; root prior mixed with Dirichlet noise [${t.root_noise.map(formatValue).join(', ')}]`}  (* = chosen path)`);
  const rows: string[][] = [];
  let shown = 0;
  const visit = (n: MctsNodeView, indent: string) => {
    const children = [...(kids.get(n.node) ?? [])].sort((a, b) => b.visits - a.visits || b.q - a.q || a.action - b.action);
    const visited = children.filter((c) => c.visits > 0);
    let top = visited.slice(0, perNode);
    const chosen = visited.find((c) => c.chosen);
    if (chosen !== undefined && !top.includes(chosen)) top = [...top.slice(0, perNode - 1), chosen];
    const hidden: MctsNodeView[] = [];
    for (const c of top) {
      if (!c.chosen && shown >= maxNodes) {
        hidden.push(c);
        continue;
      }
      rows.push([`${indent}${c.chosen ? '* ' : '  '}${label(c)}`, String(c.visits), formatValue(c.q), formatValue(c.prior), formatValue(c.reward), formatValue(c.raw_value)]);
      shown++;
      visit(c, `${indent}  `);
    }
    hidden.push(...visited.filter((c) => !top.includes(c)));
    const unvisited = children.filter((c) => c.visits === 0);
    const notes: string[] = [];
    if (hidden.length > 0) notes.push(`${hidden.length} more visited (${hidden.reduce((a, c) => a + c.visits, 0)} visits)`);
    if (unvisited.length > 0) notes.push(`${unvisited.length} unvisited: ${unvisited.map((c) => `${label(c)} Q ${formatValue(c.q)} P ${formatValue(c.prior)}`).join(', ')}`);
    if (notes.length > 0) rows.push([`${indent}  … ${notes.join('; ')}`]);
  };
  visit(root, '');
  const header = ['action', 'N', 'Q', 'P', 'reward', 'V raw'];
  const full = rows.filter((r) => r.length > 1);
  const w = header.map((h, i) => Math.max(h.length, ...full.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => (r.length === 1 ? r[0]! : r.map((c, i) => (i === 0 ? c.padEnd(w[0]!) : c.padStart(w[i]!))).join('  ').trimEnd());
  out.push(...[header, ...rows].map((r) => `  ${line(r)}`));
  const visitedCount = t.nodes.filter((n) => n.visits > 0).length - 1;
  if (shown < visitedCount) out.push(`  (${shown} of ${visitedCount} visited nodes shown: the ${perNode} most visited children of each node, at most ${maxNodes} nodes, the chosen path always)`);
  return out;
}

function label(n: MctsNodeView): string {
  return n.action < 0 ? 'root' : (n.action_name ?? String(n.action));
}
