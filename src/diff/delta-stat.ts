/** |Δ| statistics of one quantity over the aligned decisions, as reported. */
export interface DeltaSummary {
  /** Event pairs (k-th event of the type in A's decision with the k-th in B's) that held the quantity in both runs. */
  pairs: number;
  /** Elements compared (pairs whose shapes differ are counted in shape_mismatches instead). */
  values: number;
  /** Elements whose |Δ| is not 0. */
  differing: number;
  mean_abs: number | null;
  max_abs: number | null;
  /** Elements where one side is NaN or infinite and the other is not the same: not in mean/max. */
  nonfinite: number;
  shape_mismatches: number;
}

/** Accumulates |Δ| of one quantity; O(1) memory. */
export class DeltaStat {
  pairs = 0;
  values = 0;
  differing = 0;
  sum = 0;
  max = 0;
  nonfinite = 0;
  shapeMismatches = 0;

  /** `n` elements that are equal in both runs. */
  addZeros(n: number): void {
    this.values += n;
  }

  /** One element pair. Bit-equal values (NaN with NaN included) count as 0. */
  add(a: number, b: number): void {
    if (a === b || (a !== a && b !== b)) {
      this.values++;
      return;
    }
    this.addDelta(Math.abs(a - b));
  }

  /** One |Δ| (or another non-negative divergence, such as a KL). */
  addDelta(d: number): void {
    if (!Number.isFinite(d)) {
      this.nonfinite++;
      return;
    }
    this.values++;
    this.sum += d;
    if (d > this.max) this.max = d;
    if (d !== 0) this.differing++;
  }

  summary(): DeltaSummary {
    return {
      pairs: this.pairs,
      values: this.values,
      differing: this.differing,
      mean_abs: this.values === 0 ? null : this.sum / this.values,
      max_abs: this.values === 0 ? null : this.max,
      nonfinite: this.nonfinite,
      shape_mismatches: this.shapeMismatches,
    };
  }
}
