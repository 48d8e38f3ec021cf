import { SeededRng } from '../random/seeded-rng.js';

/**
 * A uniform sample of at most `capacity` items from a stream of any length (Vitter's algorithm R),
 * seeded so that an audit's output is deterministic. Two reservoirs merge into a sample that is
 * uniform over both streams: each slot is drawn from one side with probability proportional to
 * what that side has seen.
 */
export class Reservoir<T> {
  items: T[] = [];
  /** Items offered so far. */
  seen = 0;
  private readonly rng: SeededRng;

  constructor(
    readonly capacity: number,
    seed: string,
  ) {
    this.rng = SeededRng.fromSeed(seed);
  }

  add(item: T): void {
    this.seen++;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    const j = Math.floor(this.rng.uniform() * this.seen);
    if (j < this.capacity) this.items[j] = item;
  }

  /** True when every item offered is in the sample (figures computed from it are exact). */
  get complete(): boolean {
    return this.seen === this.items.length;
  }

  merge(o: Reservoir<T>): void {
    if (o.seen === 0) return;
    if (this.seen + o.seen <= this.capacity) {
      this.items.push(...o.items);
      this.seen += o.seen;
      return;
    }
    const a = [...this.items];
    const b = [...o.items];
    const out: T[] = [];
    const total = this.seen + o.seen;
    const k = Math.min(this.capacity, a.length + b.length);
    while (out.length < k) {
      const fromA = b.length === 0 || (a.length > 0 && this.rng.uniform() * total < this.seen);
      const src = fromA ? a : b;
      const i = Math.floor(this.rng.uniform() * src.length);
      out.push(src[i]!);
      src[i] = src[src.length - 1]!;
      src.pop();
    }
    this.items = out;
    this.seen = total;
  }
}
