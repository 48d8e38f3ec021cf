import { roundFigure } from './format-figure.js';

/** One episode's returns in the reward audit's chart. */
export interface EpisodePoint {
  episode: number;
  reward: number;
  reference: number;
  unpaid: number;
  hacking: boolean;
}

interface WeightedPoint extends EpisodePoint {
  /** Episodes this point stands for. */
  weight: number;
}

/**
 * Per-episode returns for plotting, in bounded memory: past 2 × `max` points, neighbouring pairs
 * are averaged (weighted by how many episodes each already stands for), so the series covers the
 * whole run at a coarser grain however long it is.
 */
export class EpisodeSeries {
  private points: WeightedPoint[] = [];

  constructor(private readonly max: number) {}

  push(p: EpisodePoint): void {
    this.points.push({ ...p, weight: 1 });
    if (this.points.length > 2 * this.max) this.points = halve(this.points);
  }

  /** At most `max` points, figures rounded for output. */
  list(): EpisodePoint[] {
    return (this.points.length > this.max ? halve(this.points) : this.points).map((s) => ({ episode: s.episode, reward: roundFigure(s.reward), reference: roundFigure(s.reference), unpaid: roundFigure(s.unpaid), hacking: s.hacking }));
  }
}

/** Averages neighbouring pairs (weighted by how many episodes each already stands for). */
function halve(s: WeightedPoint[]): WeightedPoint[] {
  const out: WeightedPoint[] = [];
  for (let i = 0; i < s.length; i += 2) {
    const a = s[i]!;
    const b = s[i + 1];
    if (b === undefined) {
      out.push(a);
      continue;
    }
    const w = a.weight + b.weight;
    out.push({ ...a, reward: (a.reward * a.weight + b.reward * b.weight) / w, reference: (a.reference * a.weight + b.reference * b.weight) / w, unpaid: (a.unpaid * a.weight + b.unpaid * b.weight) / w, hacking: a.hacking || b.hacking, weight: w });
  }
  return out;
}
