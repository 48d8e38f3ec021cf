import { get, post, streamLines } from './api.js';
import { fmt, h, mount, runLink, verdictBadge } from './dom.js';
import type { RunRow, RunSummary } from './types.js';

type Row = RunRow & Partial<RunSummary>;

interface Column {
  key: string;
  title: string;
  num?: boolean;
  value: (r: Row) => string | number | null;
  cell?: (r: Row) => Node | string;
}

/** All runs: a sortable, filterable table; summaries stream in after the rows. */
export async function runsView(app: HTMLElement): Promise<void> {
  const rows: Row[] = await get<RunRow[]>('/api/runs');
  const byId = new Map(rows.map((r) => [r.id, r]));
  let sortKey = 'created';
  let desc = true;
  let filter = '';
  let status = '';

  const audit = (r: Row) => async (ev: Event) => {
    const b = ev.currentTarget as HTMLButtonElement;
    b.disabled = true;
    b.textContent = 'auditing…';
    r.verdicts = await post<Record<string, string>>(`/api/runs/${encodeURIComponent(r.id)}/audit`);
    changed(r.id);
    render();
  };
  const columns: Column[] = [
    { key: 'id', title: 'run', value: (r) => r.id, cell: (r) => runLink(r.id) },
    { key: 'status', title: 'status', value: (r) => r.status },
    { key: 'env', title: 'env', value: (r) => r.env },
    { key: 'agent', title: 'agent', value: (r) => r.agent ?? r.name },
    { key: 'backend', title: 'backend', value: (r) => r.backend },
    { key: 'events', title: 'events', num: true, value: (r) => r.events, cell: (r) => fmt(r.events) },
    { key: 'decisions', title: 'decisions', num: true, value: (r) => r.decisions, cell: (r) => fmt(r.decisions) },
    { key: 'episodes', title: 'episodes', num: true, value: (r) => r.episodes ?? null, cell: (r) => fmt(r.episodes) },
    { key: 'final_return', title: 'reward return', num: true, value: (r) => num(r.final_return), cell: (r) => fmt(r.final_return, 3) },
    { key: 'final_performance', title: 'performance', num: true, value: (r) => num(r.final_performance), cell: (r) => fmt(r.final_performance, 3) },
    {
      key: 'verdicts',
      title: 'audits',
      value: (r) => (r.verdicts ? Object.values(r.verdicts).join(' ') : null),
      cell: (r) => (r.verdicts ? h('span', null, Object.entries(r.verdicts).map(([k, v]) => verdictBadge(k, v))) : h('button', { onclick: audit(r), title: 'run the four audits on this run' }, 'audit')),
    },
    { key: 'source_run', title: 'source run', value: (r) => r.source_run, cell: (r) => (r.source_run ? runLink(r.source_run) : '') },
    { key: 'created', title: 'created', value: (r) => r.created, cell: (r) => r.created.replace('T', ' ').slice(0, 19) },
  ];

  const tbody = h('tbody');
  const count = h('span', { class: 'muted' });
  const head = h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : '', 'data-key': c.key, onclick: () => ((desc = sortKey === c.key ? !desc : c.num === true), (sortKey = c.key), render()) }, c.title)));
  const statuses = [...new Set(rows.map((r) => r.status))].sort();
  mount(
    app,
    h('h1', null, 'Runs'),
    h(
      'div',
      { class: 'toolbar' },
      h('input', { type: 'search', id: 'run-filter', placeholder: 'filter: id, env, agent, source…', size: 40, oninput: (e: Event) => ((filter = (e.target as HTMLInputElement).value.toLowerCase()), render()) }),
      h('select', { id: 'status-filter', onchange: (e: Event) => ((status = (e.target as HTMLSelectElement).value), render()) }, h('option', { value: '' }, 'any status'), statuses.map((s) => h('option', { value: s }, s))),
      count,
    ),
    rows.length === 0 ? h('p', { class: 'muted' }, 'no runs in this database yet: record one with `npx flightrec demo`') : h('table', { id: 'runs' }, h('thead', null, head), tbody),
  );

  // One <tr> per run, built when its data changes and reused by every sort and filter after: with
  // 1,000 runs, rebuilding every cell on each keystroke or summary batch was the table's cost.
  const built = new Map<string, HTMLTableRowElement>();
  const texts = new Map<string, string>();
  const dirty = new Set<string>(rows.map((r) => r.id));
  const changed = (id: string) => (dirty.add(id), texts.delete(id));
  function rowOf(r: Row): HTMLTableRowElement {
    let tr = built.get(r.id);
    if (tr === undefined || dirty.has(r.id)) {
      tr = h('tr', { 'data-run': r.id }, columns.map((c) => h('td', { class: c.num ? 'num' : '' }, c.cell ? c.cell(r) : (c.value(r) ?? '') as string)));
      built.set(r.id, tr);
      dirty.delete(r.id);
    }
    return tr;
  }
  /** What the filter matches, kept apart from the row so that filtering builds no row. */
  function textOf(r: Row): string {
    let t = texts.get(r.id);
    if (t === undefined) texts.set(r.id, (t = [r.id, r.name, r.env, r.agent, r.backend, r.source_run, r.status].map((x) => x?.toLowerCase() ?? '').join('\n')));
    return t;
  }

  // Only the rows in and near the viewport are in the DOM, between two spacer rows of the height
  // of the rest: laying out a 13-column table of 1,000 rows cost more than everything else.
  let shownRows: Row[] = [];
  let rowHeight = 0;
  const BUFFER = 30;
  function paint(): void {
    const n = shownRows.length;
    const top = tbody.getBoundingClientRect().top + window.scrollY;
    const h0 = rowHeight || 30;
    const first = Math.max(0, Math.min(n, Math.floor((window.scrollY - top) / h0) - BUFFER));
    const last = Math.min(n, first + Math.ceil(window.innerHeight / h0) + 2 * BUFFER);
    const frag = document.createDocumentFragment();
    const spacer = (rows: number) => h('tr', { class: 'spacer', style: { height: `${rows * h0}px` } }, h('td', { colspan: columns.length }));
    if (first > 0) frag.appendChild(spacer(first));
    for (let i = first; i < last; i++) frag.appendChild(rowOf(shownRows[i]!));
    if (last < n) frag.appendChild(spacer(n - last));
    tbody.replaceChildren(frag);
    if (rowHeight === 0 && last > first) rowHeight = rowOf(shownRows[first]!).getBoundingClientRect().height || 0;
  }
  let scheduled = false;
  const onScroll = () => {
    if (!tbody.isConnected) return window.removeEventListener('scroll', onScroll);
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => ((scheduled = false), paint()));
  };
  window.addEventListener('scroll', onScroll, { passive: true });
  window.addEventListener('resize', onScroll, { passive: true });

  function render(): void {
    const col = columns.find((c) => c.key === sortKey)!;
    const shown = rows.filter((r) => (status === '' || r.status === status) && (filter === '' || textOf(r).includes(filter)));
    // Sort keys once per row, not once per comparison.
    const keyed = shown.map((r) => ({ r, k: col.value(r) }));
    keyed.sort((a, b) => compare(a.k, b.k) * (desc ? -1 : 1));
    shownRows = keyed.map((x) => x.r);
    paint();
    count.textContent = `${shown.length} of ${rows.length} runs`;
    for (const th of head.children) (th as HTMLElement).dataset.sort = (th as HTMLElement).dataset.key === sortKey ? (desc ? 'desc' : 'asc') : '';
  }
  render();

  // Summaries arrive one run at a time; redraw at most every 200 ms while they stream.
  let pending = false;
  await streamLines<RunSummary>('/api/runs/summaries', (s) => {
    const r = byId.get(s.id);
    if (r === undefined) return;
    Object.assign(r, s, { verdicts: s.verdicts ?? r.verdicts });
    changed(r.id);
    if (!pending) {
      pending = true;
      setTimeout(() => ((pending = false), render()), 200);
    }
  });
  render();
  app.dataset.ready = 'true';
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
