import { ApiError, get, post } from './api.js';
import { decisionLink, fmt, h, mount, runLink } from './dom.js';
import { drawObservation } from './draw-observation.js';
import { followJob } from './jobs.js';
import type { BlameResult, Decision, Job, Num, SearchNode, Tensor } from './types.js';
import { iterationsView } from './iterations-view.js';
import { mctsView } from './mcts-view.js';
import { whatIfPanel } from './what-if.js';

const CHILDREN_SHOWN = 6;

/** One decision whole: observation, search tree, component calls, candidates and choice, outcome, neighbours, related runs, blame and what-if. */
export async function decisionView(app: HTMLElement, run: string, decision: string): Promise<void> {
  const enc = encodeURIComponent(run);
  const t0 = performance.now();
  const d = await get<Decision>(`/api/runs/${enc}/decisions/${encodeURIComponent(decision)}`);
  // An action id by its name; a continuous action (an MPPI candidate's first element, a tensor) by its values, rounded.
  const name = (a: number | Num[] | Tensor) => (typeof a === 'number' ? d.action_names?.[a] ?? (Number.isInteger(a) ? String(a) : fmt(a)) : `[${(Array.isArray(a) ? a : Array.from(a.data)).map((x) => fmt(x)).join(', ')}]`);
  mount(
    app,
    h(
      'div',
      { class: 'toolbar' },
      d.nav.prev !== null ? decisionLink(run, d.nav.prev, '← previous') : h('span', { class: 'muted' }, '← previous'),
      d.nav.next !== null ? decisionLink(run, d.nav.next, 'next →') : h('span', { class: 'muted' }, 'next →'),
      d.related.map((r) => h('span', { class: 'pill' }, `${r.relation} run `, runLink(r.run), ': ', r.decision === null ? 'no decision at this step' : decisionLink(r.run, r.decision, `decision ${r.decision}`))),
    ),
    h('h1', null, `Decision ${d.decision} `, h('span', { class: 'muted' }, `episode ${d.episode ?? '–'}, step ${d.step ?? '–'} of run `), runLink(run)),
    h('div', { class: 'grid2' }, h('div', null, h('h2', null, 'Observation'), drawObservation(d.drawing, d.observation.tensor, d.observation.description)), h('div', null, h('h2', null, 'Choice'), choice(d, name))),
    h('h2', null, 'Versions'),
    h('p', { class: 'mono' }, Object.entries(d.versions).map(([k, v]) => `${k}@${v ?? '–'}`).join('  '), h('span', { class: 'muted' }, `  rng ${d.rng_state}`)),
    h('h2', null, 'Planner search'),
    d.search ? searchTree(d, name) : null,
    d.iterations ? iterationsView(d.iterations, name) : null,
    d.mcts ? mctsView(d.mcts, name) : null,
    d.search || d.iterations || d.mcts ? null : h('p', { class: 'muted' }, 'the decision did not search'),
    h('h2', null, 'Component calls'),
    calls(d),
    h('h2', null, 'Outcome'),
    d.outcome
      ? h('div', { class: 'grid2', id: 'outcome' }, h('div', null, h('p', null, `action ${name(d.outcome.action)} → reward ${fmt(d.outcome.reward)}`, d.outcome.performance !== null ? `, performance ${fmt(d.outcome.performance)}` : '', d.outcome.terminated ? ' (terminated)' : d.outcome.truncated ? ' (truncated)' : '')), drawObservation(d.drawing, d.outcome.observation.tensor, d.outcome.observation.description))
      : h('p', { class: 'muted', id: 'outcome' }, 'no outcome recorded (an open-loop replay re-decides without stepping the environment)'),
    h('h2', null, 'Why? Blame and what-if'),
    blamePanel(run, d.decision),
    whatIfPanel(run, {}, {}, (r) => (location.hash = `#/run/${encodeURIComponent(r.derived_run)}`)),
  );
  document.getElementById('status')!.textContent = `decision painted in ${Math.round(performance.now() - t0)} ms`;
  app.dataset.ready = 'true';
}

function choice(d: Decision, name: (a: number | Num[] | Tensor) => string): HTMLElement {
  const c = d.choice;
  if (c === null) return h('p', { class: 'muted' }, 'no actor.chose recorded');
  const scores = c.candidates.map((k) => (typeof k.score === 'number' ? k.score : NaN));
  const max = Math.max(...scores.filter(Number.isFinite).map(Math.abs), 1e-9);
  return h(
    'div',
    { id: 'choice' },
    h('p', null, 'chose ', h('strong', null, name(c.action)), ` by ${c.chooser} (${c.component ?? '–'}@${c.version ?? '–'}), value ${fmt(c.value)} — `, h('strong', { class: c.kind === 'exploration' ? 'flip' : '' }, c.kind ?? 'unscored')),
    h(
      'table',
      null,
      h('tr', null, h('th', null, 'candidate'), h('th', { class: 'num' }, d.mcts ? 'visits' : 'Q(a)'), h('th', null, '')),
      c.candidates.map((k, i) =>
        h(
          'tr',
          { class: i === c.chosen_index ? 'chosen' : '' },
          h('td', null, i === c.chosen_index ? '* ' : '  ', k.name ?? name(k.candidate)),
          h('td', { class: 'num' }, fmt(k.score)),
          h('td', null, Number.isFinite(scores[i]) ? h('span', { class: `bar${scores[i]! < 0 ? ' neg' : ''}`, style: { width: `${Math.round((Math.abs(scores[i]!) / max) * 160)}px` } }) : null, i === c.argmax_index ? ' ← argmax' : ''),
        ),
      ),
    ),
    d.actor?.probs ? h('p', { class: 'mono' }, 'actor π: ', d.actor.probs.map((p) => `${p.name ?? p.index} ${fmt(p.p, 3)}`).join(' · ')) : null,
    d.root_value ? h('p', { class: 'mono' }, `V(s) ${fmt(d.root_value.value)}`) : null,
  );
}

/** The search as a tree of <details>: children best score first, the chosen path open and marked. */
function searchTree(d: Decision, name: (a: number) => string): HTMLElement {
  const s = d.search!;
  const byParent = new Map<string, SearchNode[]>();
  for (const n of s.nodes) {
    const key = n.depth === 0 ? 'root' : `${n.depth - 1}:${n.parent_row}`;
    (byParent.get(key) ?? byParent.set(key, []).get(key)!).push(n);
  }
  const score = (n: SearchNode) => (typeof n.score === 'number' ? n.score : -Infinity);
  const render = (key: string): HTMLElement[] => {
    const kids = (byParent.get(key) ?? []).slice().sort((a, b) => Number(b.chosen) - Number(a.chosen) || score(b) - score(a));
    const item = (n: SearchNode) => {
      const label = h('summary', { class: n.chosen ? 'chosen' : '' }, `${n.chosen ? '* ' : ''}${name(n.actions[n.actions.length - 1] ?? -1)}  r ${fmt(n.reward)}  v ${fmt(n.leaf_value)}  score ${fmt(n.score)}${n.expanded ? '  expanded' : ''}${n.imagined ? `  ${n.imagined}` : ''}`);
      const children = byParent.has(`${n.depth}:${n.row}`);
      if (!children) return h('div', { class: n.chosen ? 'chosen leaf' : 'leaf', style: { marginLeft: '14px' } }, label.textContent);
      const det = h('details', { open: n.chosen, 'data-depth': n.depth, 'data-row': n.row }, label);
      // Children are built when opened: a wide tree costs nothing until looked at. On the summary's
      // click itself, not only on 'toggle' (which the browser queues after it), as the MPPI and
      // MCTS views do: the children are there as soon as the click is.
      let built = false;
      const build = () => !built && ((built = true), det.append(...render(`${n.depth}:${n.row}`)));
      if (n.chosen) build();
      label.addEventListener('click', build);
      det.addEventListener('toggle', build);
      return det;
    };
    const shown = kids.slice(0, CHILDREN_SHOWN).map(item);
    if (kids.length > CHILDREN_SHOWN) {
      const more = h('button', { class: 'more' }, `${kids.length - CHILDREN_SHOWN} more`);
      more.addEventListener('click', () => more.replaceWith(...kids.slice(CHILDREN_SHOWN).map(item)));
      shown.push(h('div', { style: { marginLeft: '14px' } }, more));
    }
    return shown;
  };
  return h(
    'div',
    { class: 'card' },
    h('p', { class: 'muted' }, `${s.planner ?? 'planner'}@${s.version ?? '–'} · ${s.levels.map((l) => `depth ${l.depth}: ${l.nodes} nodes, ${l.expanded} expanded`).join('; ')}${s.searches > 1 ? ` · last of ${s.searches} searches` : ''}`),
    h('div', { class: 'tree', id: 'search-tree' }, render('root')),
  );
}

function calls(d: Decision): HTMLElement {
  return h(
    'table',
    { id: 'calls' },
    h('tr', null, h('th', null, 'seq'), h('th', null, 'call'), h('th', null, 'component'), h('th', null, 'batch'), h('th', null, 'outputs')),
    d.calls.map((c) =>
      h(
        'tr',
        null,
        h('td', null, c.seq),
        h('td', null, c.type, c.label ? h('div', { class: 'muted' }, c.label) : null),
        h('td', { class: 'mono' }, `${c.component ?? '–'}@${(c.version ?? '–').slice(0, 12)}`),
        h('td', { class: 'mono' }, `[${c.batch.join(', ')}]`, c.root_row !== null ? h('div', { class: 'muted' }, `row ${c.root_row} = s`) : null),
        h('td', { class: 'tensor' }, Object.entries(c.outputs).map(([k, t]) => tensor(k, t, c.root_row))),
      ),
    ),
  );
}

function tensor(label: string, t: Tensor, highlightRow: number | null): HTMLElement {
  const head = `${label}: ${t.dtype}[${t.shape.join(', ')}]`;
  const rowLen = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const preview = t.data.slice(0, 8).map((x) => fmt(x, 3)).join(', ') + (t.data.length > 8 ? ', …' : '');
  const det = h('details', null, h('summary', { class: 'mono' }, `${head}  ${preview}`));
  det.addEventListener('toggle', () => {
    if (det.children.length > 1) return;
    const rows: HTMLElement[] = [];
    const n = Math.min(t.shape[0] ?? 1, 200);
    for (let r = 0; r < n; r++) rows.push(h('div', { class: r === highlightRow ? 'mono chosen' : 'mono' }, `${r}: ${t.data.slice(r * rowLen, Math.min((r + 1) * rowLen, r * rowLen + 32)).map((x) => fmt(x, 4)).join(', ')}`));
    det.append(...rows, (t.shape[0] ?? 1) > n ? h('div', { class: 'muted' }, `… ${(t.shape[0] ?? 1) - n} more rows`) : '');
  });
  return det;
}

function blamePanel(run: string, decision: number): HTMLElement {
  const against = h('input', { id: 'blame-against', size: 50, value: 'reward=module:examples/goal-reward.mjs' });
  const out = h('div', { id: 'blame-out' });
  const go = h('button', { id: 'blame-go' }, 'blame');
  go.addEventListener('click', async () => {
    go.disabled = true;
    try {
      const job = await post<Job>(`/api/runs/${encodeURIComponent(run)}/decisions/${decision}/blame`, { against: against.value.split(',').map((s) => s.trim()).filter(Boolean) });
      const done = await followJob(job, out, 'blame');
      if (done.status !== 'done') return;
      const r = done.result as BlameResult;
      const row = (t: BlameResult['singles'][number]) => h('tr', null, h('td', null, t.swapped.join(' + ')), h('td', { class: t.flipped ? 'flip' : '' }, `${t.action}${t.flipped ? ' (flips)' : ''}`), h('td', null, fmt(t.value)));
      out.append(
        h('p', null, `recorded action ${r.recorded_action}, re-run as recorded ${r.baseline_action}, with the other set ${r.against_action}${r.differs ? '' : ' — the same action: nothing to blame'}`),
        h('table', null, h('tr', null, h('th', null, 'swapped'), h('th', null, 'action'), h('th', null, 'value')), r.singles.map(row), r.pairs.map(row)),
        h('p', null, r.culprits.length === 0 ? 'no single swap or pair flips the action' : `flipped by: ${r.culprits.map((c) => c.join(' + ')).join('; ')}`),
      );
    } catch (e) {
      out.replaceChildren(h('div', { class: 'err' }, e instanceof ApiError ? `[${e.code}] ${e.message}` : String(e)));
    } finally {
      go.disabled = false;
    }
  });
  return h('div', { class: 'card', id: 'blame' }, h('h3', null, 'Blame this decision'), h('div', { class: 'toolbar' }, 'against', against, go), out);
}
