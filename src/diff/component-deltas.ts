import { eventType, isKnownEventType } from '../events/registry.js';
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
 * The quantities a diff charts over the merge-join, by the statistic that measures them: what a
 * swap can move (a reward swap moves rewards and the chosen value before anything else).
 */
export const CHARTED_DELTAS = [
  { stat: 'reward.rewards', label: '|Δ reward|' },
  { stat: 'planner.chosen_value', label: '|Δ chosen value|' },
  { stat: 'critic.root_value', label: '|Δ root value|' },
  { stat: 'critic.values', label: '|Δ critic values|' },
  { stat: 'world_model.next_states', label: '|Δ predicted next state|' },
  { stat: 'actor.kl', label: 'KL(actor A ‖ B)' },
] as const;

/**
 * Per-component delta statistics, fed one matched event pair at a time (the k-th event of a type
 * in A's decision with the k-th in B's). Which statistics an event feeds is declared by its event
 * type (`deltas`), so this class knows measures, not event types. `identical` pairs (equal
 * payload bytes) are counted without decoding anything; others decode only the fields a
 * statistic reads.
 */
export class ComponentDeltas {
  private readonly stats = new Map<string, DeltaStat>();
  private readonly tops = new Map<string, { pairs: number; differing: number }>();
  /** |Δ root value| of the decision being compared (null when it has none); reset by beginDecision. */
  rootDelta: number | null = null;

  /** Each charted statistic's (values, sum) when the decision began, to take the decision's own mean |Δ| at its end. */
  private readonly before = new Map<string, { values: number; sum: number }>();

  beginDecision(): void {
    this.rootDelta = null;
    for (const { stat } of CHARTED_DELTAS) {
      const s = this.stats.get(stat);
      this.before.set(stat, { values: s?.values ?? 0, sum: s?.sum ?? 0 });
    }
  }

  /** Mean |Δ| of each charted quantity over the elements the decision being compared held; null where it held none. */
  decisionDeltas(): (number | null)[] {
    return CHARTED_DELTAS.map(({ stat }) => {
      const s = this.stats.get(stat);
      const b = this.before.get(stat) ?? { values: 0, sum: 0 };
      const n = (s?.values ?? 0) - b.values;
      return s === undefined || n <= 0 ? null : (s.sum - b.sum) / n;
    });
  }

  /** Whether events of this type feed any statistic (the comparer skips decoding the others). */
  static observes(type: string): boolean {
    return isKnownEventType(type) && eventType(type).deltas.length > 0;
  }

  observe(type: string, occurrence: number, a: EventFields, b: EventFields, identical: boolean): void {
    for (const d of eventType(type).deltas) {
      switch (d.measure) {
        case 'elementwise':
          elementwise(this.stat(d.stat), a, b, d.field, identical);
          break;
        case 'first_element':
          if (occurrence === 0) this.root(this.stat(d.stat), a, b, d.field, identical);
          break;
        case 'row_kl':
          this.klDivergence(this.stat(d.stat), a, b, d.field, identical);
          break;
        case 'argmax':
          if (occurrence === 0) this.argmaxMoved(d.stat, a, b, d.field, identical);
          break;
        case 'scalar':
          if (occurrence === 0) this.scalar(this.stat(d.stat), a, b, d.field, identical);
          break;
      }
    }
  }

  report(): ComponentDeltasReport {
    const summary = (key: string) => (this.stats.get(key) ?? new DeltaStat()).summary();
    const top = this.tops.get('planner.top_candidate') ?? { pairs: 0, differing: 0 };
    return {
      critic: { root_value: summary('critic.root_value'), values: summary('critic.values') },
      world_model: { next_states: summary('world_model.next_states') },
      reward: { rewards: summary('reward.rewards') },
      actor: { kl: summary('actor.kl') },
      planner: {
        top_candidate: { pairs: top.pairs, differing: top.differing, share: top.pairs === 0 ? null : top.differing / top.pairs },
        chosen_value: summary('planner.chosen_value'),
      },
    };
  }

  private stat(key: string): DeltaStat {
    let s = this.stats.get(key);
    if (s === undefined) this.stats.set(key, (s = new DeltaStat()));
    return s;
  }

  private root(stat: DeltaStat, a: EventFields, b: EventFields, key: string, identical: boolean): void {
    if (a.size(key) <= 0 || (!identical && b.size(key) <= 0)) return;
    stat.pairs++;
    if (identical || a.sameField(key, b)) {
      stat.addZeros(1);
      this.rootDelta = 0;
      return;
    }
    const x = (a.value(key) as Tensor).data[0]!;
    const y = (b.value(key) as Tensor).data[0]!;
    stat.add(x, y);
    const d = x === y || (x !== x && y !== y) ? 0 : Math.abs(x - y);
    this.rootDelta = Number.isFinite(d) ? d : null;
  }

  private klDivergence(stat: DeltaStat, a: EventFields, b: EventFields, key: string, identical: boolean): void {
    const ha = a.header(key);
    const hb = identical ? ha : b.header(key);
    if (ha === null || hb === null) return;
    stat.pairs++;
    if (!sameShape(ha.shape, hb.shape)) {
      stat.shapeMismatches++;
      return;
    }
    const width = ha.shape.length === 0 ? 1 : ha.shape[ha.shape.length - 1]!;
    const rows = width === 0 ? 0 : ha.size / width;
    if (identical || a.sameField(key, b)) {
      stat.addZeros(rows);
      return;
    }
    const p = (a.value(key) as Tensor).data;
    const q = (b.value(key) as Tensor).data;
    for (let r = 0; r < rows; r++) {
      let kl = 0;
      let same = true;
      for (let i = r * width; i < (r + 1) * width; i++) {
        const x = p[i]!;
        const y = q[i]!;
        if (x !== y) same = false;
        if (x > 0) kl += x * Math.log(x / Math.max(y, KL_FLOOR));
      }
      stat.addDelta(same ? 0 : Math.max(0, kl));
    }
  }

  private argmaxMoved(key: string, a: EventFields, b: EventFields, field: string, identical: boolean): void {
    if (a.size(field) < 0 || (!identical && b.size(field) < 0)) return;
    let top = this.tops.get(key);
    if (top === undefined) this.tops.set(key, (top = { pairs: 0, differing: 0 }));
    top.pairs++;
    if (!identical && !a.sameField(field, b) && argmax((a.value(field) as Tensor).data) !== argmax((b.value(field) as Tensor).data)) top.differing++;
  }

  private scalar(stat: DeltaStat, a: EventFields, b: EventFields, field: string, identical: boolean): void {
    if (a.isNull(field) || (!identical && b.isNull(field))) return;
    stat.pairs++;
    if (identical || a.sameField(field, b)) stat.addZeros(1);
    else stat.add(a.value(field) as number, b.value(field) as number);
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
