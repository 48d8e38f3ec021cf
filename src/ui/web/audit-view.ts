import { get } from './api.js';
import { chartBox } from './chart-box.js';
import { decisionLink, h, mount, runLink, verdictBadge } from './dom.js';
import type { AuditResponse } from './types.js';

/** Every audit of a run: verdict, reasons, charts, and the decisions behind the verdict, each a link. */
export async function auditView(app: HTMLElement, run: string): Promise<void> {
  mount(app, h('h1', null, 'Audits of ', runLink(run)), h('p', { class: 'muted' }, 'auditing… (one pass over the run)'));
  const a = await get<AuditResponse>(`/api/runs/${encodeURIComponent(run)}/audit`);
  mount(
    app,
    h('h1', null, 'Audits of ', runLink(run)),
    h('p', { class: 'muted', id: 'audited' }, a.audited),
    Object.entries(a.report.checks).map(([name, c]) =>
      c === null
        ? null
        : h(
            'section',
            { class: 'card', 'data-check': name },
            h('h2', null, name.replace('_', ' '), ' ', verdictBadge(null, c.verdict)),
            h('p', { class: 'mono judged' }, (a.figures[name] ?? []).join(' · ')),
            h('ul', null, c.reasons.map((r) => h('li', null, verdictBadge(null, r.verdict), r.message)), c.notes.map((n) => h('li', { class: 'muted' }, n))),
            h('div', { class: 'grid2' }, (a.charts[name] ?? []).map(chartBox)),
            c.decisions.length === 0
              ? null
              : h('table', null, h('tr', null, h('th', null, 'decision'), h('th', null, 'episode'), h('th', null, 'step'), h('th', null, 'why')), c.decisions.map((d) => h('tr', null, h('td', null, decisionLink(run, d.decision, String(d.decision))), h('td', null, d.episode ?? '–'), h('td', null, d.step ?? '–'), h('td', null, d.why)))),
          ),
    ),
  );
  app.dataset.ready = 'true';
}
