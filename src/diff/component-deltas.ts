import type { Tensor } from '../events/tensor.js';
import { DeltaStat, type DeltaSummary } from './delta-stat.js';
import type { EventFields } from './event-fields.js';

/** How far the components' outputs moved between the runs, over aligned decisions. */
export interface ComponentDeltasReport {
  critic: {
    /** values[0] of each decision's first critic.evaluated (the reference agent's V at the real state). */
    root_value: DeltaSummary;
    /** Every row of every critic.evaluated, where the shapes match. */
    values: DeltaSummary;
  };
  world_model: { next_states: DeltaSummary };
  reward: { rewards: DeltaSummary };
  /** mean_abs / max_abs are the mean and max KL(A‖B) of actor.proposed probs per row (B clamped at 1e-12). */
  actor: { kl: DeltaSummary };
  planner: {
    /** Decisions where the argmax of actor.chose scores differs. */
    top_candidate: { pairs: number; differing: number; share: number | null };
    /** actor.chose value (the decision's estimate of the chosen action's value). */
    chosen_value: DeltaSummary;
  };
}

const KL_FLOOR = 1e-12;

/**
 * Per-component delta statistics, fed one matched event pair at a time (the k-th event of a type
 * in A's decision with the k-th in B's). `identical` pairs (equal payload bytes) are counted
 * without decoding anything; others decode only the fields a statistic reads.
 */
export class ComponentDeltas {
  readonly rootValue = new DeltaStat();
  readonly criticValues = new DeltaStat();
  readonly nextStates = new DeltaStat();
  readonly rewards = new DeltaStat();
  readonly kl = new DeltaStat();
  readonly chosenValue = new DeltaStat();
  topPairs = 0;
  topDiffering = 0;
  /** |Δ root value| of the decision being compared (null when it has none); reset by beginDecision. */
  rootDelta: number | null = null;

  beginDecision(): void {
    this.rootDelta = null;
  }

  observe(type: string, occurrence: number, a: EventFields, b: EventFields, identical: boolean): void {
    switch (type) {
      case 'critic.evaluated':
        if (occurrence === 0) this.root(a, b, identical);
        elementwise(this.criticValues, a, b, 'values', identical);
        return;
      case 'world_model.predicted':
        elementwise(this.nextStates, a, b, 'next_states', identical);
        return;
      case 'reward.evaluated':
        elementwise(this.rewards, a, b, 'rewards', identical);
        return;
      case 'actor.proposed':
        this.klDivergence(a, b, identical);
        return;
      case 'actor.chose':
        if (occurrence === 0) this.chose(a, b, identical);
        return;
      default:
    }
  }

  report(): ComponentDeltasReport {
    return {
      critic: { root_value: this.rootValue.summary(), values: this.criticValues.summary() },
      world_model: { next_states: this.nextStates.summary() },
      reward: { rewards: this.rewards.summary() },
      actor: { kl: this.kl.summary() },
      planner: {
        top_candidate: { pairs: this.topPairs, differing: this.topDiffering, share: this.topPairs === 0 ? null : this.topDiffering / this.topPairs },
        chosen_value: this.chosenValue.summary(),
      },
    };
  }

  private root(a: EventFields, b: EventFields, identical: boolean): void {
    if (a.size('values') <= 0 || (!identical && b.size('values') <= 0)) return;
    this.rootValue.pairs++;
    if (identical || a.sameField('values', b)) {
      this.rootValue.addZeros(1);
      this.rootDelta = 0;
      return;
    }
    const x = (a.value('values') as Tensor).data[0]!;
    const y = (b.value('values') as Tensor).data[0]!;
    this.rootValue.add(x, y);
    const d = x === y || (x !== x && y !== y) ? 0 : Math.abs(x - y);
    this.rootDelta = Number.isFinite(d) ? d : null;
  }

  private klDivergence(a: EventFields, b: EventFields, identical: boolean): void {
    const ha = a.header('probs');
    const hb = identical ? ha : b.header('probs');
    if (ha === null || hb === null) return;
    this.kl.pairs++;
    if (!sameShape(ha.shape, hb.shape)) {
      this.kl.shapeMismatches++;
      return;
    }
    const width = ha.shape.length === 0 ? 1 : ha.shape[ha.shape.length - 1]!;
    const rows = width === 0 ? 0 : ha.size / width;
    if (identical || a.sameField('probs', b)) {
      this.kl.addZeros(rows);
      return;
    }
    const p = (a.value('probs') as Tensor).data;
    const q = (b.value('probs') as Tensor).data;
    for (let r = 0; r < rows; r++) {
      let kl = 0;
      let same = true;
      for (let i = r * width; i < (r + 1) * width; i++) {
        const x = p[i]!;
        const y = q[i]!;
        if (x !== y) same = false;
        if (x > 0) kl += x * Math.log(x / Math.max(y, KL_FLOOR));
      }
      this.kl.addDelta(same ? 0 : Math.max(0, kl));
    }
  }

  private chose(a: EventFields, b: EventFields, identical: boolean): void {
    if (a.size('scores') >= 0 && (identical || b.size('scores') >= 0)) {
      this.topPairs++;
      if (!identical && !a.sameField('scores', b) && argmax((a.value('scores') as Tensor).data) !== argmax((b.value('scores') as Tensor).data)) this.topDiffering++;
    }
    if (a.isNull('value') || (!identical && b.isNull('value'))) return;
    this.chosenValue.pairs++;
    if (identical || a.sameField('value', b)) this.chosenValue.addZeros(1);
    else this.chosenValue.add(a.value('value') as number, b.value('value') as number);
  }
}

/** Element-by-element |Δ| of a tensor field, where both events hold it with the same shape. */
function elementwise(stat: DeltaStat, a: EventFields, b: EventFields, key: string, identical: boolean): void {
  if (identical) {
    const n = a.size(key);
    if (n < 0) return;
    stat.pairs++;
    stat.addZeros(n);
    return;
  }
  const ha = a.header(key);
  const hb = b.header(key);
  if (ha === null || hb === null) return;
  stat.pairs++;
  if (!sameShape(ha.shape, hb.shape)) {
    stat.shapeMismatches++;
    return;
  }
  if (identical || a.sameField(key, b)) {
    stat.addZeros(ha.size);
    return;
  }
  const x = (a.value(key) as Tensor).data;
  const y = (b.value(key) as Tensor).data;
  for (let i = 0; i < x.length; i++) stat.add(x[i]!, y[i]!);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Index of the largest element (the first one on ties; NaN never wins); -1 for an empty array. */
function argmax(xs: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i]!) && (best < 0 || xs[i]! > xs[best]!)) best = i;
  return best;
}
