import type { ChartSpec } from './chart-spec.js';
import { drawChart } from './draw-chart.js';
import { uplotSource } from './uplot-source.js';

/** JSON inside a <script> element: `<` escaped so that no string in the data can close the element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A chart's place in a report page: the element `inlineCharts` draws into. */
export function chartSlot(id: string): string {
  return `<div class="chart" id="${id}"></div>`;
}

/**
 * What a self-contained report needs to draw its charts: uPlot's stylesheet (for <head>) and, for
 * the end of <body>, uPlot itself, the specs as JSON and `drawChart`'s own source drawing each
 * spec into the element of its id. Nothing is fetched.
 */
export function inlineCharts(specs: ChartSpec[]): { head: string; body: string } {
  const u = uplotSource();
  return {
    head: `<style>${u.css}</style>`,
    body: `<script>${u.js}</script>
<script type="application/json" id="chart-specs">${scriptJson(specs)}</script>
<script>
const drawChart = ${drawChart.toString()};
for (const spec of JSON.parse(document.getElementById('chart-specs').textContent)) {
  const el = document.getElementById(spec.id);
  if (el) drawChart(uPlot, el, spec);
}
</script>`,
  };
}
