/**
 * Running statistics of paired values (x, y) in O(1) memory: means, variances, covariance and the
 * moments of the difference x − y, by Welford's update and Chan's merge, so that windows of a run
 * can be combined exactly. Non-finite pairs are counted, never mixed into the sums.
 */
export class PairStats {
  n = 0;
  /** Pairs skipped because x or y was NaN or ±Infinity (a diverging estimate is itself a finding). */
  nonFinite = 0;
  meanX = 0;
  meanY = 0;
  m2x = 0;
  m2y = 0;
  cxy = 0;

  add(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      this.nonFinite++;
      return;
    }
    this.n++;
    const dx = x - this.meanX;
    const dy = y - this.meanY;
    this.meanX += dx / this.n;
    this.meanY += dy / this.n;
    this.m2x += dx * (x - this.meanX);
    this.m2y += dy * (y - this.meanY);
    this.cxy += dx * (y - this.meanY);
  }

  /** Adds another's pairs to this one (Chan et al.'s parallel formulas). */
  merge(o: PairStats): void {
    this.nonFinite += o.nonFinite;
    if (o.n === 0) return;
    if (this.n === 0) {
      Object.assign(this, { n: o.n, meanX: o.meanX, meanY: o.meanY, m2x: o.m2x, m2y: o.m2y, cxy: o.cxy });
      return;
    }
    const n = this.n + o.n;
    const dx = o.meanX - this.meanX;
    const dy = o.meanY - this.meanY;
    const w = (this.n * o.n) / n;
    this.m2x += o.m2x + dx * dx * w;
    this.m2y += o.m2y + dy * dy * w;
    this.cxy += o.cxy + dx * dy * w;
    this.meanX += (dx * o.n) / n;
    this.meanY += (dy * o.n) / n;
    this.n = n;
  }

  /** mean(x − y). */
  bias(): number | null {
    return this.n === 0 ? null : this.meanX - this.meanY;
  }

  /** Population variance of x − y. */
  private varDiff(): number {
    return Math.max(0, (this.m2x + this.m2y - 2 * this.cxy) / this.n);
  }

  /** sqrt(mean((x − y)²)). */
  rmse(): number | null {
    if (this.n === 0) return null;
    const b = this.meanX - this.meanY;
    return Math.sqrt(this.varDiff() + b * b);
  }

  /** 1 − Var(y − x)/Var(y): the share of y's variance that x explains; null when y is constant. */
  explainedVariance(): number | null {
    if (this.n < 2 || !(this.m2y > 1e-12 * this.n)) return null;
    return 1 - this.varDiff() / (this.m2y / this.n);
  }

  /** Pearson correlation; null when either side is constant. */
  pearson(): number | null {
    if (this.n < 2 || !(this.m2x > 0) || !(this.m2y > 0)) return null;
    return this.cxy / Math.sqrt(this.m2x * this.m2y);
  }

  stdY(): number | null {
    return this.n === 0 ? null : Math.sqrt(this.m2y / this.n);
  }

  stdX(): number | null {
    return this.n === 0 ? null : Math.sqrt(this.m2x / this.n);
  }
}
