const BINS = 10;

export interface DoneCalibrationFigures {
  n: number;
  /** mean (p − terminated)². */
  brier: number | null;
  /** Expected calibration error: Σ_bins share · |mean p − observed frequency|. */
  calibration_error: number | null;
  bins: { lo: number; hi: number; n: number; mean_predicted: number; observed: number }[];
}

/** Calibration of predicted episode-end probabilities against what happened, in ten fixed bins. */
export class DoneCalibration {
  private n = 0;
  private brier = 0;
  private readonly bins = Array.from({ length: BINS }, () => ({ n: 0, p: 0, y: 0 }));

  add(probability: number, ended: boolean): void {
    if (!Number.isFinite(probability)) return;
    const p = Math.min(1, Math.max(0, probability));
    const y = ended ? 1 : 0;
    const bin = this.bins[Math.min(BINS - 1, Math.floor(p * BINS))]!;
    bin.n++;
    bin.p += p;
    bin.y += y;
    this.n++;
    this.brier += (p - y) ** 2;
  }

  figures(): DoneCalibrationFigures {
    let ece = 0;
    for (const b of this.bins) if (b.n > 0) ece += (b.n / this.n) * Math.abs(b.p / b.n - b.y / b.n);
    return {
      n: this.n,
      brier: this.n === 0 ? null : this.brier / this.n,
      calibration_error: this.n === 0 ? null : ece,
      bins: this.bins.flatMap((b, i) => (b.n === 0 ? [] : [{ lo: i / BINS, hi: (i + 1) / BINS, n: b.n, mean_predicted: b.p / b.n, observed: b.y / b.n }])),
    };
  }
}
