import { get } from './api.js';
import { chartBox } from './chart-box.js';
import { decisionLink, fmt, h, mount, runLink } from './dom.js';
import { flipsSummary } from './run-view.js';
import type { Decision, DiffResponse } from './types.js';

/** Two runs side by side: the first divergence, flips over time, the first flipped decisions, and one aligned pair of decisions. */
export async function diffView(app: HTMLElement, a: string, b: string): Promise<void> {
  mount(app, h('h1', null, 'Diff ', runLink(a), ' vs ', runLink(b)), h('p', { class: 'muted' }, 'diffing…'));
  const d = await get<DiffResponse>(`/api/diff/${encodeURIComponent(a)}/${encodeURIComponent(b)}`);
  const r = d.report;
  const fd = r.first_divergence;
  const pair = h('div', { class: 'grid2', id: 'side-by-side' });
  mount(
    app,
    h('h1', null, 'Diff ', runLink(a), ' vs ', runLink(b)),
    h('p', null, h('span', { class: r.identical ? 'v pass' : 'v fail' }, r.identical ? 'identical' : 'runs differ'), ` ${fmt(r.aligned)} aligned decisions · ${fmt(r.differing_decisions)} differ · ${fmt(r.unaligned)} not aligned`),
    h('h2', null, 'First divergence'),
    fd === null
      ? h('p', { class: 'muted' }, 'none')
      : h('div', { class: 'card', id: 'first-divergence' }, h('p', null, `episode ${fd.episode}, step ${fd.step}: ${fd.kind} — ${fd.event_type} · ${fd.field}`), h('p', { class: 'mono' }, 'A: ', fd.text_a), h('p', { class: 'mono' }, 'B: ', fd.text_b), h('p', null, decisionLink(a, fd.decision_a, `A decision ${fd.decision_a}`), ' · ', decisionLink(b, fd.decision_b, `B decision ${fd.decision_b}`))),
    h('h2', null, 'Flips'),
    flipsSummary(d),
    h('h2', null, 'Per-step deltas and returns'),
    h('div', { class: 'grid2' }, d.charts.filter((c) => c.id !== 'counts').map(chartBox)),
    h('h2', null, 'Side by side'),
    pair,
  );
  const first = r.first_flips[0] ?? (fd ? { decision_a: fd.decision_a, decision_b: fd.decision_b } : null);
  if (first) {
    const [da, db] = await Promise.all([get<Decision>(`/api/runs/${encodeURIComponent(a)}/decisions/${first.decision_a}`), get<Decision>(`/api/runs/${encodeURIComponent(b)}/decisions/${first.decision_b}`)]);
    pair.replaceChildren(side('A', da), side('B', db));
  } else pair.replaceChildren(h('p', { class: 'muted' }, 'no differing decision'));
  app.dataset.ready = 'true';
}

function side(label: string, d: Decision): HTMLElement {
  const c = d.choice;
  const name = (a: unknown) => (typeof a === 'number' ? d.action_names?.[a] ?? String(a) : String(a));
  return h(
    'div',
    { class: 'card' },
    h('h3', null, `${label}: `, decisionLink(d.run, d.decision, `decision ${d.decision}`), ` (episode ${d.episode}, step ${d.step})`),
    c ? h('p', null, 'chose ', h('strong', null, name(c.action)), ` (${c.kind ?? '–'}), value ${fmt(c.value)}`) : null,
    c ? h('table', null, c.candidates.map((k, i) => h('tr', { class: i === c.chosen_index ? 'chosen' : '' }, h('td', null, i === c.chosen_index ? '* ' : '', k.name ?? name(k.candidate)), h('td', { class: 'num' }, fmt(k.score))))) : null,
    h('p', { class: 'mono' }, Object.entries(d.versions).map(([k, v]) => `${k}@${(v ?? '–').slice(0, 12)}`).join(' ')),
  );
}
