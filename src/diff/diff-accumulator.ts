import type { DecodeOptions } from '../events/payload-codec.js';
import { BucketSeries } from './bucket-series.js';
import { CHARTED_DELTAS } from './component-deltas.js';
import { DecisionComparer } from './decision-comparer.js';
import type { ComponentVersionDiff, DiffReport, FirstDivergence, FlippedDecision } from './diff-report.js';
import { formatKey, type DecisionUnit, type EpisodeEndUnit } from './diff-unit.js';
import { EpisodeComparison } from './episode-comparison.js';
import { actionValueJson } from './render-value.js';

/** The series channel of a charted delta statistic, e.g. `delta_reward.rewards`. */
export function deltaChannel(stat: string): string {
  return `delta_${stat}`;
}

/** How many flipped decisions and differing episodes the report lists by name. */
const LISTED = 10;

/**
 * Everything the diff reports, accumulated one merge-join step at a time in memory that does not
 * grow with the runs' length (counters, the first few examples, bucketed chart series).
 */
export class DiffAccumulator {
  private readonly comparer: DecisionComparer;
  private readonly episodes = new EpisodeComparison();
  decisionsA = 0;
  decisionsB = 0;
  aligned = 0;
  onlyA = 0;
  onlyB = 0;
  observationDiffers = 0;
  differing = 0;
  private readonly differingByType = new Map<string, number>();
  private first: FirstDivergence | null = null;
  private readonly firstUnaligned: { only_in_a: string | null; only_in_b: string | null; observation_differs: string | null } = { only_in_a: null, only_in_b: null, observation_differs: null };
  private flips = 0;
  private flipPairs = 0;
  private readonly flipped: FlippedDecision[] = [];
  private readonly versions = new Map<string, { differing: number; first: ComponentVersionDiff['first'] }>();
  readonly decisionSeries = new BucketSeries([
    { name: 'root_value_abs_delta_max', aggregate: 'max' },
    { name: 'root_value_abs_delta_mean', aggregate: 'mean' },
    { name: 'flips', aggregate: 'sum' },
    { name: 'differing', aggregate: 'sum' },
    { name: 'unaligned', aggregate: 'sum' },
    { name: 'identical', aggregate: 'sum' },
    ...CHARTED_DELTAS.map(({ stat }) => ({ name: deltaChannel(stat), aggregate: 'mean' as const })),
  ], (episode, step) => formatKey({ episode, step }));
  readonly episodeSeries = new BucketSeries([
    { name: 'return_a', aggregate: 'mean' },
    { name: 'return_b', aggregate: 'mean' },
  ], (episode) => `ep ${episode}`);

  constructor(decodeA: DecodeOptions, decodeB: DecodeOptions) {
    this.comparer = new DecisionComparer(decodeA, decodeB);
    this.episodes.decodeA = decodeA;
    this.episodes.decodeB = decodeB;
  }

  pair(a: DecisionUnit, b: DecisionUnit): void {
    this.decisionsA++;
    this.decisionsB++;
    const r = this.comparer.compare(a, b, this.first === null);
    if (r.first !== null && this.first === null) this.first = { episode: a.episode, step: a.step, decision_a: a.decision, decision_b: b.decision, ...r.first };
    if (r.observationDiffers) {
      this.observationDiffers++;
      this.firstUnaligned.observation_differs ??= formatKey(a);
      this.decisionSeries.push([null, null, null, null, 1, 0, ...CHARTED_DELTAS.map(() => null)], a.episode, a.step);
      return;
    }
    this.aligned++;
    const place = { episode: a.episode, step: a.step, decision_a: a.decision, decision_b: b.decision };
    if (r.differs) {
      this.differing++;
      for (const t of r.differingTypes) this.differingByType.set(t, (this.differingByType.get(t) ?? 0) + 1);
    }
    this.flipPairs++;
    if (r.flip !== null) {
      this.flips++;
      if (this.flipped.length < LISTED) this.flipped.push({ ...place, action_a: actionValueJson(r.flip.a), action_b: actionValueJson(r.flip.b) });
    }
    for (const v of r.versions) {
      let s = this.versions.get(v.component);
      if (s === undefined) this.versions.set(v.component, (s = { differing: 0, first: null }));
      s.differing++;
      s.first ??= { ...place, a: v.a, b: v.b };
    }
    const root = this.comparer.deltas.rootDelta;
    this.decisionSeries.push([root, root, r.flip === null ? 0 : 1, r.differs ? 1 : 0, 0, r.differs || r.versions.length > 0 ? 0 : 1, ...this.comparer.deltas.decisionDeltas()], a.episode, a.step);
  }

  only(side: 'a' | 'b', u: DecisionUnit): void {
    if (side === 'a') {
      this.decisionsA++;
      this.onlyA++;
      this.firstUnaligned.only_in_a ??= formatKey(u);
    } else {
      this.decisionsB++;
      this.onlyB++;
      this.firstUnaligned.only_in_b ??= formatKey(u);
    }
    this.decisionSeries.push([null, null, null, null, 1, 0, ...CHARTED_DELTAS.map(() => null)], u.episode, u.step);
  }

  episode(a: EpisodeEndUnit | null, b: EpisodeEndUnit | null): void {
    const r = this.episodes.add(a, b);
    this.episodeSeries.push([r.returnA, r.returnB], (a ?? b)!.episode);
  }

  /** Everything but the run names, stats and timing, which the caller adds. */
  report(): Omit<DiffReport, 'run_a' | 'run_b' | 'source_run_a' | 'source_run_b' | 'stats'> {
    const versions: ComponentVersionDiff[] = [...this.versions].sort(([x], [y]) => (x < y ? -1 : 1)).map(([component, s]) => ({ component, differing: s.differing, first: s.first }));
    const episodes = this.episodes.report();
    const identical =
      this.onlyA === 0 && this.onlyB === 0 && this.observationDiffers === 0 && this.differing === 0 && versions.length === 0 && episodes.differing === 0 && episodes.only_in_a === 0 && episodes.only_in_b === 0;
    return {
      identical,
      decisions: { a: this.decisionsA, b: this.decisionsB },
      aligned: this.aligned,
      unaligned: { only_in_a: this.onlyA, only_in_b: this.onlyB, observation_differs: this.observationDiffers },
      differing_decisions: this.differing,
      differing_by_type: Object.fromEntries([...this.differingByType].sort(([x], [y]) => (x < y ? -1 : 1))),
      first_divergence: this.first,
      first_unaligned: this.firstUnaligned,
      flips: { count: this.flips, share: this.flipPairs === 0 ? null : this.flips / this.flipPairs, first: this.flipped },
      deltas: this.comparer.deltas.report(),
      versions,
      episodes,
      series: { decisions: this.decisionSeries.report(), episodes: this.episodeSeries.report() },
    };
  }
}


