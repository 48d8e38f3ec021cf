import type { ChartSpec } from '../../charts/chart-spec.js';
import { get, streamLines } from './api.js';
import { chartBox } from './chart-box.js';
import { decisionLink, fmt, h, mount, runLink, verdictBadge } from './dom.js';
import { drawObservation } from './draw-observation.js';
import { Timeline } from './timeline.js';
import { SegmentIndex } from './segment-index.js';
import type { AuditResponse, Decision, DiffResponse, EpisodeReturn, OverviewDelta, RunDetail, RunHead, TimelineSegment, VersionChange } from './types.js';
import { whatIfPanel } from './what-if.js';

const num = (v: unknown) => (typeof v === 'number' ? v : null);

/** What the run page holds of the whole run: the overview stream's lines applied in order (OverviewDelta). */
interface Overview {
  episodes: EpisodeReturn[];
  segments: TimelineSegment[];
  versions: Record<string, VersionChange[]>;
  decisions: number;
  done: boolean;
}

const emptyOverview = (): Overview => ({ episodes: [], segments: [], versions: {}, decisions: 0, done: false });

function apply(o: Overview, d: OverviewDelta): void {
  o.episodes.length = d.episodes_from;
  o.episodes.push(...d.episodes);
  o.segments.length = d.segments_from;
  o.segments.push(...d.segments);
  for (const [k, v] of Object.entries(d.versions)) (o.versions[k] ??= []).push(...v);
  o.decisions = d.decisions;
  o.done = d.done;
}

/**
 * One run: returns, versions, the timeline with its scrubber, audits, what-if, and (derived runs)
 * the flips against the source. The page paints from the run's row and the overview stream's
 * first line (the episode returns), then the timeline and versions fill in as the stream goes.
 */
export async function runView(app: HTMLElement, id: string, isCurrent: () => boolean): Promise<void> {
  const enc = encodeURIComponent(id);
  const run = await get<RunDetail>(`/api/runs/${enc}`);
  const overview = emptyOverview();
  const index = new SegmentIndex();
  const returnsBox = h('div', { id: 'returns' }, h('p', { class: 'muted' }, 'reading the episodes…'));
  const versionsBox = h('div', { id: 'versions' }, h('p', { class: 'muted' }, 'reading the run…'));
  let drawnEpisodes = -1;
  const drawReturns = (eps: EpisodeReturn[]) => {
    if (eps.length === drawnEpisodes) return;
    drawnEpisodes = eps.length;
    returnsBox.replaceChildren(eps.length === 0 ? h('p', { class: 'muted' }, run.source_run ? 'no episodes: an open-loop replay re-decides recorded states without stepping the environment' : 'no episode has ended yet') : chartBox(returnsChart(eps)));
  };
  const drawVersions = () => versionsBox.replaceChildren(Object.keys(overview.versions).length === 0 ? h('p', { class: 'muted' }, 'no component updates recorded (frozen components)') : chartBox(versionsChart(overview.versions)));

  const current = h('div', { id: 'current-decision' }, h('p', { class: 'muted' }, 'pick a decision on the timeline'));
  let want = 0;
  const timeline = new Timeline(index, (i) => {
    const d = index.at(i).decision;
    want = d;
    // Debounced by "latest wins": a slower answer for an older position is dropped.
    void get<Decision>(`/api/runs/${enc}/decisions/${d}`).then((dec) => want === d && current.replaceChildren(decisionSummary(dec)));
  });

  const auditBox = h('div', { id: 'audit-box' }, h('button', { id: 'run-audit', onclick: () => void loadAudit() }, 'run the audits'), h('span', { class: 'muted' }, ' critic, actor, world model, reward (a pass over the run)'));
  async function loadAudit(): Promise<void> {
    auditBox.replaceChildren(h('span', { class: 'muted' }, 'auditing…'));
    const a = await get<AuditResponse>(`/api/runs/${enc}/audit`);
    auditBox.replaceChildren(
      h('div', { class: 'toolbar' }, Object.entries(a.report.checks).map(([k, c]) => (c ? verdictBadge(k, c.verdict) : null)), h('a', { href: `#/run/${enc}/audit` }, 'the audits in full →')),
      h('div', { class: 'grid2' }, Object.values(a.charts).flat().filter((c) => c.id === 'rewardSeries' || c.id === 'criticScatter').map(chartBox)),
    );
  }

  const roleOf = Object.fromEntries(run.components.map((c) => [c.name, c.role]));
  const whatIf = h('div', { id: 'what-if-box' }, h('p', { class: 'muted' }, 'reading the component versions…'));
  const drawWhatIf = () => {
    const versionList = Object.fromEntries(Object.entries(overview.versions).map(([k, v]) => [k, [...new Set(v.map((x) => x.version).filter((x): x is string => x !== null))]]));
    whatIf.replaceChildren(whatIfPanel(id, versionList, roleOf, (r) => (location.hash = `#/run/${encodeURIComponent(r.derived_run)}`)));
  };
  const compare = h('div', { id: 'compare' });

  mount(
    app,
    h('h1', null, 'Run ', h('code', null, run.id), ' ', h('span', { class: 'pill', id: 'run-status' }, run.status)),
    h(
      'p',
      { class: 'muted' },
      [run.env ?? 'unknown env', run.agent ?? run.name, run.backend, `${fmt(run.events)} events`, `${fmt(run.decisions)} decisions`, `${fmt(run.episodes)} episodes`].filter(Boolean).join(' · '),
      run.source_run ? h('span', null, ' · derived from ', runLink(run.source_run), ' ', h('code', null, JSON.stringify(run.overrides))) : null,
    ),
    run.derived_runs.length ? h('p', null, 'derived runs: ', run.derived_runs.map((d) => h('span', null, runLink(d.id), ' (', h('a', { href: `#/diff/${enc}/${encodeURIComponent(d.id)}` }, 'diff'), ') '))) : null,
    h('div', { class: 'grid2' }, h('div', null, h('h2', null, 'Episode returns'), returnsBox), h('div', null, h('h2', null, 'Component versions over time'), versionsBox)),
    h('h2', null, 'Timeline'),
    timeline.el,
    current,
    run.source_run ? h('div', null, h('h2', null, 'Against the source run'), compare) : null,
    h('h2', null, 'Audits'),
    auditBox,
    h('h2', null, 'What if'),
    whatIf,
  );

  /** Reads the overview stream into `overview` (from nothing), redrawing as lines arrive. */
  const readOverview = async (): Promise<void> => {
    const fresh = emptyOverview();
    await streamLines<OverviewDelta>(`/api/runs/${enc}/overview`, (d) => {
      apply(fresh, d);
      Object.assign(overview, fresh);
      index.reset(overview.segments);
      drawReturns(overview.episodes);
      timeline.update();
      if (app.dataset.firstPaintAt === undefined) app.dataset.firstPaintAt = String(Math.round(performance.now()));
    });
    drawVersions();
    drawWhatIf();
  };
  await readOverview();
  if (run.source_run) {
    compare.replaceChildren(h('span', { class: 'muted' }, 'diffing against the source…'));
    const d = await get<DiffResponse>(`/api/diff/${encodeURIComponent(run.source_run)}/${enc}`);
    compare.replaceChildren(flipsSummary(d));
  }
  app.dataset.ready = 'true';

  // A run being recorded: poll its head, and redraw what grew (at most every 2 s). The server
  // folds only the events added since its last fold.
  let seen = run.events;
  while (run.status === 'recording' && isCurrent()) {
    await new Promise((r) => setTimeout(r, 2000));
    if (!isCurrent()) return;
    const head = await get<RunHead>(`/api/runs/${enc}/head`);
    document.getElementById('run-status')!.textContent = head.status;
    if (head.events !== seen) {
      seen = head.events;
      await readOverview();
      document.getElementById('status')!.textContent = `live: ${fmt(head.events)} events`;
    }
    run.status = head.status;
  }
}

/** The flips of a derived run against its source: counts, the chart of flips over the run, the first flips. */
export function flipsSummary(d: DiffResponse): HTMLElement {
  const r = d.report;
  return h(
    'div',
    { class: 'card', id: 'flips' },
    h('p', null, h('span', { class: 'flip' }, `${fmt(r.flips)} flipped decisions`), ` of ${fmt(r.aligned)} aligned (${typeof r.flip_share === 'number' ? (100 * r.flip_share).toFixed(1) : '–'}%) · `, h('a', { href: `#/diff/${encodeURIComponent(r.run_a)}/${encodeURIComponent(r.run_b)}` }, 'the diff in full →')),
    chartBox(d.charts.find((c) => c.id === 'counts')!),
    h(
      'table',
      null,
      h('tr', null, h('th', null, 'episode'), h('th', null, 'step'), h('th', null, 'action (source → derived)'), h('th', null, 'decision')),
      r.first_flips.map((f) => h('tr', null, h('td', null, f.episode), h('td', null, f.step), h('td', { class: 'flip' }, `${String(f.action_a)} → ${String(f.action_b)}`), h('td', null, decisionLink(r.run_b, f.decision_b), ' · ', decisionLink(r.run_a, f.decision_a, 'in the source')))),
    ),
  );
}

function decisionSummary(d: Decision): HTMLElement {
  const c = d.choice;
  const name = (a: number) => d.action_names?.[a] ?? String(a);
  return h(
    'div',
    { class: 'card' },
    h('div', { class: 'toolbar' }, h('strong', null, `decision ${d.decision}`), `episode ${d.episode ?? '–'}, step ${d.step ?? '–'}`, decisionLink(d.run, d.decision, 'open the decision →')),
    h(
      'div',
      { class: 'grid2' },
      drawObservation(d.drawing, d.observation.tensor, d.observation.description),
      h(
        'div',
        null,
        c ? h('p', null, 'chose ', h('strong', null, c.action_name ?? String(c.action)), ` (${c.kind ?? 'no score'}), value ${fmt(c.value)}`) : h('p', { class: 'muted' }, 'no choice recorded'),
        c && c.candidates.length ? h('p', { class: 'mono' }, c.candidates.map((k) => `${k.name ?? (typeof k.candidate === 'number' ? name(k.candidate) : k.index)} ${fmt(k.score)}`).join(' · ')) : null,
        d.outcome ? h('p', null, `reward ${fmt(d.outcome.reward)}`, d.outcome.performance !== null ? ` · performance ${fmt(d.outcome.performance)}` : '', d.outcome.terminated ? ' · terminated' : d.outcome.truncated ? ' · truncated' : '') : h('p', { class: 'muted' }, 'no outcome (open-loop replay)'),
      ),
    ),
  );
}

function returnsChart(eps: EpisodeReturn[]): ChartSpec {
  const hasPerf = eps.some((e) => e.performance_return !== null);
  return {
    id: 'returns',
    title: hasPerf ? 'reward return vs performance return per episode' : 'reward return per episode',
    xLabel: 'episode',
    yLabel: 'reward return',
    ...(hasPerf ? { y2Label: 'performance return' } : {}),
    x: eps.map((e) => e.episode),
    series: [{ label: 'reward return', color: '#0969da', values: eps.map((e) => num(e.return)) }, ...(hasPerf ? [{ label: 'performance return', color: '#1a7f37', values: eps.map((e) => num(e.performance_return)), axis: 'right' as const }] : [])],
  };
}

function versionsChart(versions: Record<string, VersionChange[]>): ChartSpec {
  const colors = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#9a6700'];
  const names = Object.keys(versions);
  // One x axis for all components: the decisions where any of them changed (at most ~2,000 points per component).
  const xs = [...new Set(names.flatMap((n) => thin(versions[n]!).map((v) => v.decision)))].sort((a, b) => a - b);
  const series = names.map((n, i) => {
    const vs = versions[n]!;
    let j = -1;
    return { label: `${n} updates`, color: colors[i % colors.length]!, values: xs.map((x) => { while (j + 1 < vs.length && vs[j + 1]!.decision <= x) j++; return j < 0 ? 0 : vs[j]!.update; }) };
  });
  return { id: 'versions', title: 'versions: updates applied so far, by decision', xLabel: 'decision', yLabel: 'updates', x: xs, series };
}

function thin<T>(xs: T[]): T[] {
  const step = Math.max(1, Math.ceil(xs.length / 2000));
  return xs.filter((_x, i) => i % step === 0 || i === xs.length - 1);
}
