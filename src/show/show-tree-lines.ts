import type { SearchNode, SearchTree } from './show-search-tree.js';
import { formatValue } from './show-value.js';

export interface TreeLinesOptions {
  /** Children shown under each node, best score first; the chosen child is always shown. Default 5. */
  childrenPerNode?: number;
  /** Nodes shown in all; past it only the chosen path is. Default 100. */
  maxNodes?: number;
}

/**
 * A search tree as indented lines, depth first, children best score first, `*` on the chosen
 * path. Big trees are cut to the best children of each node and a node budget; every cut says
 * how many nodes (with their descendants) it hides, and the last line how many are shown.
 */
export function treeLines(tree: SearchTree, actionNames: readonly string[] | null, options: TreeLinesOptions = {}): string[] {
  const perNode = Math.max(1, options.childrenPerNode ?? 5);
  const maxNodes = Math.max(1, options.maxNodes ?? 100);
  const children = new Map<string, SearchNode[]>();
  for (const n of tree.nodes) {
    const key = n.depth === tree.levels[0]?.depth ? 'root' : n.parent_row === null ? `orphan:${n.depth}` : `${n.depth - 1}:${n.parent_row}`;
    const list = children.get(key) ?? [];
    list.push(n);
    children.set(key, list);
  }
  const kids = (n: SearchNode) => children.get(`${n.depth}:${n.row}`) ?? [];
  const sizes = new Map<SearchNode, number>();
  const size = (n: SearchNode): number => {
    let s = sizes.get(n);
    if (s === undefined) sizes.set(n, (s = 1 + kids(n).reduce((a, c) => a + size(c), 0)));
    return s;
  };

  const rows: { label: string; node: SearchNode | null; note: string }[] = [];
  let shown = 0;
  const visit = (group: readonly SearchNode[], indent: string) => {
    const sorted = [...group].sort(byScore);
    let top = sorted.slice(0, perNode);
    const chosen = sorted.find((n) => n.chosen);
    if (chosen !== undefined && !top.includes(chosen)) top = [...top.slice(0, perNode - 1), chosen];
    const hidden = sorted.filter((n) => !top.includes(n));
    for (const n of top) {
      if (!n.chosen && shown >= maxNodes) {
        hidden.push(n);
        continue;
      }
      rows.push({ label: `${indent}${n.chosen ? '* ' : '  '}${actionLabel(n, actionNames)}`, node: n, note: '' });
      shown++;
      visit(kids(n), `${indent}  `);
    }
    if (hidden.length > 0) {
      const nodes = hidden.reduce((a, n) => a + size(n), 0);
      const scores = hidden.map((n) => n.score);
      rows.push({ label: `${indent}  … ${hidden.length} more`, node: null, note: `${nodes > hidden.length ? `${nodes} nodes with descendants, ` : ''}${scores.length === 1 ? `score ${formatValue(scores[0]!)}` : `scores ${formatValue(Math.max(...scores))} to ${formatValue(Math.min(...scores))}`}` });
    }
  };
  visit(children.get('root') ?? [], '');
  for (const [key, group] of children) if (key.startsWith('orphan:')) visit(group, '');

  const cells = rows.map((r) =>
    r.node === null
      ? [r.label, '', '', '', r.note]
      : [r.label, cell(r.node.reward), cell(r.node.leaf_value), formatValue(r.node.score), [r.node.expanded ? 'expanded' : '', r.node.imagined ?? ''].filter(Boolean).join('  ')],
  );
  const header = ['action', 'reward', 'leaf v', 'score', 'imagined'];
  const w = header.map((h, i) => Math.max(h.length, ...cells.filter((c) => c[1] !== '' || i === 0).map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c[1] === '' && c[3] === '' && c !== header
      ? `${c[0]!.padEnd(w[0]!)}  ${c[4]}`.trimEnd()
      : [c[0]!.padEnd(w[0]!), c[1]!.padStart(w[1]!), c[2]!.padStart(w[2]!), c[3]!.padStart(w[3]!), c[4]!].join('  ').trimEnd();
  const out = [line(header), ...cells.map(line)];
  if (shown < tree.nodes.length) out.push(`(${shown} of ${tree.nodes.length} nodes shown: the best ${perNode} children of each node by score, at most ${maxNodes} nodes, the chosen path always)`);
  return out;
}

function byScore(a: SearchNode, b: SearchNode): number {
  const sa = Number.isNaN(a.score) ? -Infinity : a.score;
  const sb = Number.isNaN(b.score) ? -Infinity : b.score;
  return sb - sa || a.row - b.row;
}

function actionLabel(n: SearchNode, names: readonly string[] | null): string {
  if (n.actions.length !== n.depth + 1) return `[${n.actions.map(formatValue).join(', ')}]`;
  const a = n.actions[n.actions.length - 1]!;
  return names?.[a] ?? String(a);
}

function cell(x: number | null): string {
  return x === null ? '-' : formatValue(x);
}
