/** One bin of a calibration table: the predictions that fell in [lo, hi) and what was realized. */
export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  mean_predicted: number;
  mean_realized: number;
  /** mean(predicted − realized) in the bin. */
  bias: number;
  rmse: number;
}

interface Cell {
  n: number;
  sumP: number;
  sumR: number;
  sumSq: number;
}

/**
 * A calibration table over predictions whose range is not known in advance, exact and in bounded
 * memory: bins have a power-of-two width and are aligned to multiples of it; when the occupied
 * range needs more than `maxBins` bins, the width doubles and neighbours merge. Two tables merge
 * by coarsening to the wider of their widths.
 */
export class CalibrationBins {
  private cells = new Map<number, Cell>();
  private width = 2 ** -20;

  constructor(readonly maxBins = 32) {}

  add(predicted: number, realized: number): void {
    if (!Number.isFinite(predicted) || !Number.isFinite(realized)) return;
    this.put(Math.floor(predicted / this.width), { n: 1, sumP: predicted, sumR: realized, sumSq: (predicted - realized) ** 2 });
    this.fit();
  }

  merge(o: CalibrationBins): void {
    while (this.width < o.width) this.coarsen();
    for (const [k, c] of o.cells) {
      const factor = this.width / o.width;
      this.put(Math.floor(k / factor), { ...c });
    }
    this.fit();
  }

  /** The table, low bins first, coarsened to at most `bins` rows for display. */
  table(bins = this.maxBins): CalibrationBin[] {
    const copy = new CalibrationBins(bins);
    copy.merge(this);
    return [...copy.cells.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, c]) => ({
        lo: k * copy.width,
        hi: (k + 1) * copy.width,
        n: c.n,
        mean_predicted: c.sumP / c.n,
        mean_realized: c.sumR / c.n,
        bias: (c.sumP - c.sumR) / c.n,
        rmse: Math.sqrt(c.sumSq / c.n),
      }));
  }

  private put(k: number, c: Cell): void {
    const cur = this.cells.get(k);
    if (cur === undefined) this.cells.set(k, c);
    else {
      cur.n += c.n;
      cur.sumP += c.sumP;
      cur.sumR += c.sumR;
      cur.sumSq += c.sumSq;
    }
  }

  private fit(): void {
    for (;;) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const k of this.cells.keys()) {
        if (k < lo) lo = k;
        if (k > hi) hi = k;
      }
      if (hi - lo + 1 <= this.maxBins) return;
      this.coarsen();
    }
  }

  private coarsen(): void {
    const old = this.cells;
    this.cells = new Map();
    this.width *= 2;
    for (const [k, c] of old) this.put(Math.floor(k / 2), c);
  }
}
