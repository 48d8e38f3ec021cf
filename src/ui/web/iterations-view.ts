import type { ChartSpec } from '../../charts/chart-spec.js';
import { chartBox } from './chart-box.js';
import { fmt, h } from './dom.js';
import type { Num, PlannerIteration } from './types.js';

const COLORS = ['#6e7781', '#0969da', '#1a7f37', '#8250df', '#bf8700', '#cf222e', '#1b7c83', '#953800'];

/** A recorded number, or null where the JSON view carried a non-finite one as text. */
function num(v: Num | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * A sampling planner's search as the beam tree's counterpart: how the plan's mean moved over the
 * iterations (charted over the horizon, and as the first step's mean ± std), what the elites
 * scored, and each iteration to unfold into its elites (rows, scores, refit weights, the actor's
 * share), the last one open with the chosen elite marked.
 */
export function iterationsView(its: readonly PlannerIteration[], name: (a: Num[]) => string): HTMLElement {
  const first = its[0]!;
  const horizon = first.plan_mean_after.length;
  const steps = Array.from({ length: horizon }, (_, i) => i);
  const meanChart: ChartSpec = {
    id: 'mppi-mean', title: `the plan's mean moving: first action dimension over the horizon (${horizon} steps), per iteration`, xLabel: 'step of the plan', yLabel: 'mean action', x: steps,
    series: [
      { label: 'start (warm start)', color: COLORS[0]!, values: first.plan_mean_before.map(num), style: 'dashed' },
      ...its.map((it, i) => ({ label: `after iteration ${it.iteration}`, color: COLORS[(i + 1) % COLORS.length]!, values: it.plan_mean_after.map(num) })),
    ],
  };
  const x = its.map((it) => it.iteration);
  const scoreChart: ChartSpec = {
    id: 'mppi-elites', title: "the elites' returns per iteration", xLabel: 'iteration', yLabel: 'elite score (imagined return)', x, categories: x.map((i) => `it ${i}`),
    series: [
      { label: 'best elite', color: '#1a7f37', values: its.map((it) => num(it.best_elite_score)) },
      { label: 'mean of the elites', color: '#0969da', values: its.map((it) => num(it.mean_elite_score)) },
      { label: 'worst elite', color: '#9a6700', values: its.map((it) => minScore(it)), style: 'dashed' },
      { label: 'chosen elite', color: '#cf222e', values: its.map((it) => num(it.chosen?.score ?? null)), style: 'points' },
    ],
  };
  const last = its[its.length - 1]!;
  return h(
    'div',
    { class: 'card', id: 'iterations' },
    h('p', { class: 'muted' }, `${first.method} over ${first.samples} samples (${first.from_actor} from the actor), ${first.elites} elites, ${its.length} iteration${its.length === 1 ? '' : 's'}${last.chosen ? ` · chose elite ${last.chosen.elite} (score ${fmt(last.chosen.score)}) → action ${name(last.chosen.action)}` : ''}`),
    h('div', { class: 'grid2' }, chartBox(meanChart), chartBox(scoreChart)),
    h('div', { class: 'tree', id: 'iteration-tree' }, h('div', { class: 'leaf mono' }, `start  first step ${vec(first.mean_before)} ± ${vec(first.std_before)}`), its.map((it) => iteration(it, it === last))),
  );
}

function iteration(it: PlannerIteration, open: boolean): HTMLElement {
  const fromActor = it.elite_list.filter((e) => e.from_actor).length;
  const label = h(
    'summary',
    { class: it.chosen ? 'chosen' : '' },
    `it ${it.iteration}  first step ${vec(it.mean_before)} → ${vec(it.mean_after)} ± ${vec(it.std_after)}  elite scores best ${fmt(it.best_elite_score)}, mean ${fmt(it.mean_elite_score)}  ${fromActor}/${it.elite_list.length} elites from the actor${it.samples_recorded ? '' : '  (samples not recorded)'}`,
  );
  const det = h('details', { open, 'data-iteration': it.iteration }, label);
  // Built when opened, as the beam tree's children are.
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    det.append(
      h(
        'table',
        { class: 'elites' },
        h('tr', null, h('th', null, 'elite'), h('th', { class: 'num' }, 'sample row'), h('th', null, 'proposed by'), h('th', { class: 'num' }, 'score'), h('th', { class: 'num' }, 'weight')),
        it.elite_list.map((e, i) =>
          h(
            'tr',
            { class: it.chosen?.elite === i ? 'chosen' : '' },
            h('td', null, it.chosen?.elite === i ? `* ${i}` : String(i)),
            h('td', { class: 'num' }, String(e.row)),
            h('td', null, e.from_actor ? 'actor' : 'sampling'),
            h('td', { class: 'num' }, fmt(e.score)),
            h('td', { class: 'num' }, fmt(e.weight, 3)),
          ),
        ),
      ),
    );
  };
  if (open) build();
  // On the click itself, not only on 'toggle' (queued after it): the elites are there as soon as the click is.
  label.addEventListener('click', build);
  det.addEventListener('toggle', build);
  return det;
}

function minScore(it: PlannerIteration): number | null {
  const scores = it.elite_list.map((e) => num(e.score)).filter((s): s is number => s !== null);
  return scores.length === 0 ? null : Math.min(...scores);
}

function vec(v: readonly Num[]): string {
  return v.length === 1 ? fmt(v[0]) : `[${v.map((x) => fmt(x)).join(', ')}]`;
}
