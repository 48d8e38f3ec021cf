/** Running mean and variance of one quantity (Welford), mergeable (Chan); non-finite values are skipped. */
export class Welford {
  n = 0;
  mean = 0;
  m2 = 0;

  add(x: number): void {
    if (!Number.isFinite(x)) return;
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }

  merge(o: Welford): void {
    if (o.n === 0) return;
    const n = this.n + o.n;
    const d = o.mean - this.mean;
    this.m2 += o.m2 + (d * d * this.n * o.n) / n;
    this.mean += (d * o.n) / n;
    this.n = n;
  }

  /** Population standard deviation; null with fewer than 2 values. */
  std(): number | null {
    return this.n < 2 ? null : Math.sqrt(this.m2 / this.n);
  }
}
