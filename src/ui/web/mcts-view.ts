import { fmt, h } from './dom.js';
import type { MctsNode, MctsTree } from './types.js';

/** Visited children listed under a node before a "more" button (the chosen child always among them). */
const CHILDREN_SHOWN = 6;
const BAR_PX = 80;

/**
 * A Monte Carlo tree search as the beam tree's counterpart: every visited node with its visits N,
 * Q, prior P, imagined reward and raw critic value, children most visited first, a bar for each
 * child's share of its parent's visits, the chosen path open and marked, and the children the
 * search evaluated but never descended into summarised on one line under their parent.
 */
export function mctsView(t: MctsTree, name: (a: number) => string): HTMLElement {
  const kids = new Map<number, MctsNode[]>();
  for (const n of t.nodes) if (n.parent >= 0) (kids.get(n.parent) ?? kids.set(n.parent, []).get(n.parent)!).push(n);
  const root = t.nodes[0]!;
  const label = (n: MctsNode) => (n.action < 0 ? 'root' : n.action_name ?? name(n.action));
  const byVisits = (a: MctsNode, b: MctsNode) => b.visits - a.visits || Number(b.q) - Number(a.q) || a.action - b.action;

  const children = (n: MctsNode): HTMLElement[] => {
    const all = [...(kids.get(n.node) ?? [])].sort(byVisits);
    const visited = all.filter((c) => c.visits > 0);
    let shown = visited.slice(0, CHILDREN_SHOWN);
    const chosen = visited.find((c) => c.chosen);
    if (chosen !== undefined && !shown.includes(chosen)) shown = [...shown.slice(0, CHILDREN_SHOWN - 1), chosen];
    const out = shown.map((c) => item(c, n));
    const rest = visited.filter((c) => !shown.includes(c));
    if (rest.length > 0) {
      const more = h('button', { class: 'more' }, `${rest.length} more visited (${rest.reduce((a, c) => a + c.visits, 0)} visits)`);
      more.addEventListener('click', () => more.parentElement!.replaceWith(...rest.map((c) => item(c, n))));
      out.push(h('div', { style: { marginLeft: '14px' } }, more));
    }
    const unvisited = all.filter((c) => c.visits === 0);
    if (unvisited.length > 0) out.push(h('div', { class: 'leaf muted unvisited', style: { marginLeft: '14px' } }, `… ${unvisited.length} unvisited: ${unvisited.map((c) => `${label(c)} Q ${fmt(c.q)} P ${fmt(c.prior, 3)}`).join(', ')}`));
    return out;
  };

  const item = (n: MctsNode, parent: MctsNode | null): HTMLElement => {
    const share = parent === null || parent.visits === 0 ? 1 : n.visits / parent.visits;
    // The root's prior and reward are not the search's (it has no parent edge): it shows its visits and values only.
    const edge = parent === null ? '' : `  P ${fmt(n.prior, 3)}  r ${fmt(n.reward)}`;
    const text = `${n.chosen ? '* ' : ''}${label(n)}  N ${n.visits}  Q ${fmt(n.q)}${edge}  V raw ${fmt(n.raw_value)}`;
    const attrs = { 'data-node': n.node, 'data-visits': n.visits };
    const line = [h('span', { class: 'bar', style: { width: `${Math.max(1, Math.round(share * BAR_PX))}px` } }), h('span', { style: { whiteSpace: 'pre' } }, text)];
    if (!kids.has(n.node)) return h('div', { ...attrs, class: n.chosen ? 'chosen leaf' : 'leaf', style: { marginLeft: '14px' } }, line);
    const summary = h('summary', { class: n.chosen ? 'chosen' : '' }, line);
    const det = h('details', { ...attrs, open: n.chosen }, summary);
    // Children are built when opened, as the beam tree's are: a wide tree costs nothing until looked at.
    let built = false;
    const build = () => !built && ((built = true), det.append(...children(n)));
    if (n.chosen) build();
    // On the click itself, not only on 'toggle' (queued after it): the children are there as soon as the click is.
    summary.addEventListener('click', build);
    det.addEventListener('toggle', build);
    return det;
  };

  const executed = t.nodes[t.chosen_path[1] ?? 0]!;
  return h(
    'div',
    { class: 'card', id: 'mcts' },
    h('p', { class: 'muted' }, `${t.planner ?? 'planner'}@${t.version ?? '–'} · mcts over ${t.simulations} simulations, ${t.nodes.length} nodes (${t.nodes.filter((n) => n.visits > 0).length} visited), root visits ${root.visits}, value ${fmt(root.value)} (raw ${fmt(root.raw_value)})`),
    h(
      'p',
      { class: 'muted' },
      `executed ${label(executed)}: ${t.explored ? 'an ε-exploration step, not the most visited action' : 'the most visited action'}`,
      t.root_noise === null ? '' : `; root prior mixed with Dirichlet noise [${t.root_noise.map((x) => fmt(x, 3)).join(', ')}]`,
      ' (* = chosen path; bars: share of the parent’s visits)',
    ),
    h('div', { class: 'tree', id: 'mcts-tree' }, item(root, null)),
  );
}
