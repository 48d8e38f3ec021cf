import type { TimelineSegment } from './types.js';

/** One decision of the timeline. */
export interface TimelinePoint {
  decision: number;
  episode: number | null;
  step: number | null;
}

/**
 * A run's decisions as the server sends them, segments of consecutive decisions, read as one list:
 * the i-th decision, and where a decision id is. A 60,000-decision run is a few hundred segments,
 * so the page never holds a row per decision.
 */
export class SegmentIndex {
  /** starts[k]: index of segment k's first decision. */
  private starts: number[] = [];
  private total = 0;

  constructor(private segments: readonly TimelineSegment[] = []) {
    this.reindex();
  }

  get length(): number {
    return this.total;
  }

  /** The segments changed (a run being recorded grew): read them afresh. */
  reset(segments: readonly TimelineSegment[]): void {
    this.segments = segments;
    this.reindex();
  }

  /** The i-th decision (0 ≤ i < length). */
  at(i: number): TimelinePoint {
    const k = this.segmentOf(i);
    const s = this.segments[k]!;
    const o = i - this.starts[k]!;
    return { decision: s.decision + o, episode: s.episode, step: s.step === null ? null : s.step + o };
  }

  /** Index of the decision with this id, or -1. */
  indexOf(decision: number): number {
    for (let k = 0; k < this.segments.length; k++) {
      const s = this.segments[k]!;
      if (decision >= s.decision && decision < s.decision + s.count) return this.starts[k]! + decision - s.decision;
    }
    return -1;
  }

  private segmentOf(i: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private reindex(): void {
    this.starts = new Array(this.segments.length);
    let n = 0;
    this.segments.forEach((s, k) => {
      this.starts[k] = n;
      n += s.count;
    });
    this.total = n;
  }
}
