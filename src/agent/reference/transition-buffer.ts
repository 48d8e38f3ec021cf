import type { SeededRng } from '../../random/seeded-rng.js';

/** Fixed-capacity ring of row-major float rows with the seq of the event each row came from. */
export class RowBuffer {
  readonly data: Float32Array;
  readonly seqs: Int32Array;
  private next = 0;
  size = 0;

  constructor(
    readonly capacity: number,
    readonly width: number,
  ) {
    this.data = new Float32Array(capacity * width);
    this.seqs = new Int32Array(capacity);
  }

  push(row: ArrayLike<number>, seq: number): void {
    this.data.set(row, this.next * this.width);
    this.seqs[this.next] = seq;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** `count` row indices drawn uniformly with replacement. */
  sample(rng: SeededRng, count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(rng.int(this.size));
    return out;
  }

  /** Row `i` (a view into the buffer: copy it before the ring overwrites it). */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.width, (i + 1) * this.width);
  }

  /** Columns [from, to) of the given rows, row-major. */
  gather(rows: readonly number[], from = 0, to = this.width): Float32Array {
    const w = to - from;
    const out = new Float32Array(rows.length * w);
    rows.forEach((r, i) => out.set(this.data.subarray(r * this.width + from, r * this.width + to), i * w));
    return out;
  }
}
