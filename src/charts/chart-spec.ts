/**
 * One chart as data: what the HTML reports embed and the viewer fetches, drawn in the page by
 * `drawChart`. Plain JSON (no functions), so that it crosses from Node to the browser unchanged.
 */
export interface ChartSpec {
  /** Element id the chart is drawn into (reports); the viewer passes the element itself. */
  id: string;
  title: string;
  xLabel: string;
  /** Ascending x values, one per point; with `categories`, the indices 0..n-1. */
  x: number[];
  /** Labels of a categorical x axis (bar charts), one per x. */
  categories?: string[];
  yLabel: string;
  /** Label of the right-hand axis, for series with `axis: 'right'`. */
  y2Label?: string;
  /** Fixed range of the left axis (e.g. [0, 1] for a share). */
  yRange?: [number, number];
  /** Bars of all series stacked on each other, in series order from the bottom. */
  stacked?: boolean;
  series: ChartSeries[];
  height?: number;
}

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x; null is a gap. */
  values: (number | null)[];
  axis?: 'left' | 'right';
  style?: 'line' | 'dashed' | 'points' | 'bars';
}
