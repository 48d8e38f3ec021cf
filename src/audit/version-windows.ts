/** Consecutive component versions grouped together, with an aggregate of what was observed under them. */
export interface VersionWindow<A> {
  /** Version in effect at the window's first and last decision. */
  firstVersion: string;
  lastVersion: string;
  /** Number of version changes the window spans, plus one. */
  versions: number;
  firstDecision: number;
  lastDecision: number;
  agg: A;
}

/**
 * Groups a stream of (version, decision) into at most `maxWindows` windows of consecutive
 * versions, so per-version aggregates stay bounded however long training runs: every window
 * holds `span` versions (the last one fewer); when the windows would exceed the cap, neighbours
 * merge pairwise and `span` doubles. A version that comes back after another counts again.
 */
export class VersionWindows<A> {
  readonly windows: VersionWindow<A>[] = [];
  private span = 1;
  private current: string | undefined;

  constructor(
    private readonly create: () => A,
    private readonly mergeInto: (into: A, from: A) => void,
    readonly maxWindows = 48,
  ) {}

  /** The aggregate for a decision made under `version` (null groups with the previous version). */
  at(version: string | null, decision: number): A {
    const v = version ?? this.current ?? '?';
    let w = this.windows[this.windows.length - 1];
    if (w === undefined || v !== this.current) {
      this.current = v;
      if (w !== undefined && w.versions < this.span) {
        w.versions++;
        w.lastVersion = v;
      } else {
        w = { firstVersion: v, lastVersion: v, versions: 1, firstDecision: decision, lastDecision: decision, agg: this.create() };
        this.windows.push(w);
        if (this.windows.length > this.maxWindows) this.halve();
        w = this.windows[this.windows.length - 1]!;
      }
    }
    w.lastDecision = decision;
    return w.agg;
  }

  private halve(): void {
    const merged: VersionWindow<A>[] = [];
    for (let i = 0; i < this.windows.length; i += 2) {
      const a = this.windows[i]!;
      const b = this.windows[i + 1];
      if (b !== undefined) {
        this.mergeInto(a.agg, b.agg);
        a.lastVersion = b.lastVersion;
        a.versions += b.versions;
        a.lastDecision = b.lastDecision;
      }
      merged.push(a);
    }
    this.windows.splice(0, this.windows.length, ...merged);
    this.span *= 2;
  }

  /**
   * The trailing windows that together hold at least `share` of `total` (by `count`), newest
   * last: what training ended with, less noisy than the last window alone.
   */
  tail(share: number, count: (a: A) => number): VersionWindow<A>[] {
    const total = this.windows.reduce((s, w) => s + count(w.agg), 0);
    const out: VersionWindow<A>[] = [];
    let acc = 0;
    for (let i = this.windows.length - 1; i >= 0 && (acc < share * total || out.length === 0); i--) {
      out.unshift(this.windows[i]!);
      acc += count(this.windows[i]!.agg);
    }
    return out;
  }
}
