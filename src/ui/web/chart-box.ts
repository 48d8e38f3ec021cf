import type { ChartSpec } from '../../charts/chart-spec.js';
import { drawChart, type UPlotLike } from '../../charts/draw-chart.js';
import { h } from './dom.js';

/**
 * uPlot, once its script has run. The page shell loads it `async`, as its own file beside the
 * bundle: it is off a page's critical path (a decision page draws no chart; deferred, its 50 kB
 * held the front end until they arrived), and a chart waits for it here.
 */
let loaded: Promise<UPlotLike> | null = null;
function uplot(): Promise<UPlotLike> {
  return (loaded ??= new Promise<UPlotLike>((resolve, reject) => {
    const g = globalThis as { uPlot?: UPlotLike };
    if (g.uPlot !== undefined) return resolve(g.uPlot);
    const script = document.getElementById('uplot-script');
    if (script === null) return reject(new Error('the page has no uPlot script (#uplot-script)'));
    script.addEventListener('load', () => (g.uPlot === undefined ? reject(new Error('uPlot loaded without defining uPlot')) : resolve(g.uPlot)));
    script.addEventListener('error', () => reject(new Error('uPlot (/vendor/uplot.js) did not load')));
  }));
}

/**
 * A chart drawn with the same `drawChart` as the HTML reports, once its box is laid out (uPlot
 * needs a width) and uPlot is loaded, and redrawn when the box changes width.
 */
export function chartBox(spec: ChartSpec): HTMLElement {
  const el = h('div', { class: 'chart', 'data-chart': spec.id });
  let width = 0;
  let plot: { destroy(): void } | null = null;
  new ResizeObserver(() => {
    if (el.clientWidth === 0 || Math.abs(el.clientWidth - width) < 8) return;
    width = el.clientWidth;
    void uplot().then((u) => {
      plot?.destroy();
      plot = drawChart(u, el, spec) as { destroy(): void };
    });
  }).observe(el);
  return el;
}
