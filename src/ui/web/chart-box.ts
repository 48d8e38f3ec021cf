import type { ChartSpec } from '../../charts/chart-spec.js';
import { drawChart, type UPlotLike } from '../../charts/draw-chart.js';
import { h } from './dom.js';

declare const uPlot: UPlotLike;

/**
 * A chart drawn with the same `drawChart` as the HTML reports, once its box is laid out (uPlot
 * needs a width), and redrawn when the box changes width.
 */
export function chartBox(spec: ChartSpec): HTMLElement {
  const el = h('div', { class: 'chart', 'data-chart': spec.id });
  let width = 0;
  let plot: { destroy(): void } | null = null;
  new ResizeObserver(() => {
    if (el.clientWidth === 0 || Math.abs(el.clientWidth - width) < 8) return;
    width = el.clientWidth;
    plot?.destroy();
    plot = drawChart(uPlot, el, spec) as { destroy(): void };
  }).observe(el);
  return el;
}
