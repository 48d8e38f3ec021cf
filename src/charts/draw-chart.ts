import type { ChartSpec } from './chart-spec.js';

/** What `drawChart` needs of uPlot's constructor (the global of its IIFE build, or its ES module's default). */
export interface UPlotLike {
  new (opts: object, data: unknown[], target: unknown): unknown;
  paths: { bars?: (opts: object) => unknown };
}

/**
 * Draws one chart with uPlot into `el`. Self-contained on purpose: the HTML reports inline its
 * source (`drawChart.toString()`), so it may use nothing but its arguments.
 */
export function drawChart(U: UPlotLike, el: { clientWidth: number }, spec: ChartSpec): unknown {
  const raw = spec.series.map((s) => s.values);
  let values = raw;
  if (spec.stacked) {
    const sum = spec.x.map(() => 0);
    values = raw.map((vs) => vs.map((v, i) => (sum[i] = sum[i]! + (v ?? 0))));
  }
  const bars = U.paths.bars ? U.paths.bars({ size: [0.8, 64], gap: 1 }) : undefined;
  const series = spec.series.map((s, i) => {
    const style = s.style ?? 'line';
    return {
      label: s.label,
      stroke: s.color,
      width: style === 'points' || style === 'bars' ? 0 : 1.5,
      scale: s.axis === 'right' ? 'y2' : 'y',
      spanGaps: false,
      dash: style === 'dashed' ? [6, 4] : undefined,
      fill: style === 'bars' ? s.color : undefined,
      paths: style === 'bars' ? bars : style === 'points' ? () => null : undefined,
      points: { show: style === 'points', size: 4, fill: s.color, stroke: s.color },
      // The legend shows the series' own value, not the stacked sum.
      value: (_u: unknown, v: number | null, _si: number, idx: number | null) => {
        const own = idx === null ? v : raw[i]![idx] ?? null;
        return own === null || own === undefined ? '–' : Number(own.toPrecision(4)).toString();
      },
    };
  });
  const cats = spec.categories;
  const axes: object[] = [
    {
      label: spec.xLabel,
      ...(cats ? { splits: () => cats.map((_c, i) => i), values: (_u: unknown, splits: number[]) => splits.map((i) => cats[i] ?? '') } : {}),
    },
    { label: spec.yLabel, scale: 'y' },
  ];
  if (spec.series.some((s) => s.axis === 'right')) axes.push({ label: spec.y2Label ?? '', scale: 'y2', side: 1, grid: { show: false } });
  const n = spec.x.length;
  const opts = {
    title: spec.title,
    width: Math.max(320, el.clientWidth),
    height: spec.height ?? 260,
    // Bars drawn in reverse so that the taller (stacked) ones sit behind the shorter ones.
    series: [{ label: spec.xLabel }, ...(spec.stacked ? series.slice().reverse() : series)],
    axes,
    scales: {
      x: { time: false, ...(cats || spec.series.some((s) => s.style === 'bars') ? { range: [(spec.x[0] ?? 0) - 0.5, (spec.x[n - 1] ?? 0) + 0.5] } : {}) },
      y: spec.yRange ? { range: spec.yRange } : {},
      y2: {},
    },
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
  };
  const data = [spec.x, ...(spec.stacked ? values.slice().reverse() : values)];
  return new U(opts, data, el);
}
