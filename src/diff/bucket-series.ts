/** How a channel summarises the points that fall into one bucket. */
export type Aggregate = 'mean' | 'max' | 'sum';

/** A series as reported: bucket starts and labels, one value per bucket and channel (null: no point had a value). */
export interface SeriesReport {
  /** Points per bucket (a power of two; 1 when every point has its own bucket). */
  readonly width: number;
  /** Index of each bucket's first point. */
  readonly x: number[];
  readonly label: string[];
  readonly channels: Record<string, (number | null)[]>;
}

interface Bucket {
  start: number;
  label: string;
  n: number;
  sum: number[];
  max: number[];
  count: number[];
}

/**
 * A chart series of unbounded length in bounded memory: points are appended one by one into at
 * most `capacity` buckets; when they are full, neighbouring buckets merge and each bucket covers
 * twice as many points. Every point counts (no sampling): a bucket's max is the max of its points.
 */
export class BucketSeries {
  private buckets: Bucket[] = [];
  private width = 1;
  private points = 0;

  /** `label` names a bucket by its first point's (x1, x2), e.g. episode and step; called once per bucket. */
  constructor(
    private readonly channels: readonly { name: string; aggregate: Aggregate }[],
    private readonly label: (x1: number, x2: number) => string,
    private readonly capacity = 1024,
  ) {}

  /** Appends a point: one value per channel (null: no value for that channel at this point), located at (x1, x2). */
  push(values: readonly (number | null)[], x1: number, x2 = 0): void {
    let b = this.buckets[this.buckets.length - 1];
    if (b === undefined || b.n === this.width) {
      if (this.buckets.length === this.capacity) {
        this.halve();
        b = this.buckets[this.buckets.length - 1];
      }
      if (b === undefined || b.n === this.width) {
        const k = this.channels.length;
        b = { start: this.points, label: this.label(x1, x2), n: 0, sum: new Array<number>(k).fill(0), max: new Array<number>(k).fill(-Infinity), count: new Array<number>(k).fill(0) };
        this.buckets.push(b);
      }
    }
    b.n++;
    this.points++;
    for (let c = 0; c < this.channels.length; c++) {
      const v = values[c];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      b.sum[c]! += v;
      b.count[c]!++;
      if (v > b.max[c]!) b.max[c] = v;
    }
  }

  get length(): number {
    return this.points;
  }

  report(): SeriesReport {
    const channels: Record<string, (number | null)[]> = {};
    this.channels.forEach((ch, c) => {
      channels[ch.name] = this.buckets.map((b) => {
        if (ch.aggregate === 'sum') return b.sum[c]!;
        if (b.count[c] === 0) return null;
        return ch.aggregate === 'max' ? b.max[c]! : b.sum[c]! / b.count[c]!;
      });
    });
    return { width: this.width, x: this.buckets.map((b) => b.start), label: this.buckets.map((b) => b.label), channels };
  }

  private halve(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i]!;
      const b = this.buckets[i + 1];
      if (b !== undefined) {
        a.n += b.n;
        for (let c = 0; c < this.channels.length; c++) {
          a.sum[c]! += b.sum[c]!;
          a.count[c]! += b.count[c]!;
          a.max[c] = Math.max(a.max[c]!, b.max[c]!);
        }
      }
      merged.push(a);
    }
    this.buckets = merged;
    this.width *= 2;
  }
}
