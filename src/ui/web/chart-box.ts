import type { ChartSpec } from '../../charts/chart-spec.js';
import { drawChart, type UPlotLike } from '../../charts/draw-chart.js';
import { h } from './dom.js';

/**
 * uPlot, imported by the first chart: esbuild puts it in a chunk of its own (dist/web/uplot-*.js),
 * fetched only by a page that draws a chart. A decision page draws none, and on a run page the
 * chunk is asked for once the data for its first chart is in, after the page's API requests and
 * the bundle, instead of competing with them from the page shell (measured: bench/README.md, "ui").
 */
let loaded: Promise<UPlotLike> | null = null;
function uplot(): Promise<UPlotLike> {
  return (loaded ??= import('uplot').then((m) => m.default as unknown as UPlotLike));
}

/**
 * A chart drawn with the same `drawChart` as the HTML reports, once its box is laid out (uPlot
 * needs a width) and uPlot is loaded, and redrawn when the box changes width.
 */
export function chartBox(spec: ChartSpec): HTMLElement {
  const el = h('div', { class: 'chart', 'data-chart': spec.id });
  const u = uplot(); // asked for now, while the box waits for its layout
  u.catch(() => undefined); // the draw below reports a failure; this one must not be unhandled
  let width = 0;
  let plot: { destroy(): void } | null = null;
  new ResizeObserver(() => {
    if (el.clientWidth === 0 || Math.abs(el.clientWidth - width) < 8) return;
    width = el.clientWidth;
    void u.then((U) => {
      plot?.destroy();
      plot = drawChart(U, el, spec) as { destroy(): void };
    });
  }).observe(el);
  return el;
}
