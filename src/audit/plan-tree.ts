import type { PayloadOf } from '../events/registry.js';
import type { TensorData } from '../events/tensor.js';
import type { DecisionView } from './decision-view.js';
import { lastSearch } from './last-search.js';
import { rowCount, rowKey, rowWidth, tensorRow, tensorRowKey } from './row-key.js';

/** A plan the search considered and did not extend: its actions and what the model imagined along it. */
export interface PlanLeaf {
  depth: number;
  row: number;
  /** Actions from the root, length depth + 1. */
  actions: number[];
  /**
   * Imagined discounted return Σ_k γ^k·P(alive before step k)·r̂_k, without the leaf value;
   * null when the search recorded no rewards or the run has no discount.
   */
  imaginedReturn: number | null;
  /** Imagined discounted return after each step (index k = after k + 1 steps); the last is imaginedReturn. */
  returns: (number | null)[];
  /** Imagined probability that the episode is still running after the last step. */
  alive: number;
  /** Imagined state after each step (index k = after k + 1 steps), null where not recorded. */
  states: (TensorData | null)[];
  chosen: boolean;
}

type Level = PayloadOf<'planner.expanded'>;

/**
 * A decision's search read back as a tree from its planner.expanded levels. A node's parent is
 * the `parents` row when recorded, else the row of the previous level whose action sequence is
 * this one's prefix. P(alive) multiplies (1 − done) from the world-model row of (parent state,
 * action); when no such row exists the step counts as alive and `doneMissing` is set.
 */
export class PlanTree {
  readonly leaves: PlanLeaf[] = [];
  readonly chosenLeaf: PlanLeaf | null = null;
  doneMissing = false;

  constructor(levels: readonly Level[], view: DecisionView, gamma: number | null) {
    const search = lastSearch(levels);
    let prev: { level: Level; ret: Float64Array; alive: Float64Array; prefix: Map<string, number> } | null = null;
    let chosenAt: { depth: number; row: number } | null = null;
    const byDepth: { level: Level; ret: Float64Array; alive: Float64Array; parent: Int32Array }[] = [];
    for (const level of search) {
      const n = rowCount(level.actions);
      const width = rowWidth(level.actions);
      const ret = new Float64Array(n);
      const alive = new Float64Array(n);
      const parent = new Int32Array(n).fill(-1);
      const prefix = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const path = level.actions.data.subarray(i * width, (i + 1) * width);
        prefix.set(rowKey(path), i);
        let p = -1;
        if (prev !== null) {
          p = level.parents !== null ? level.parents.data[i]! : (prev.prefix.get(rowKey(path, 0, width - 1)) ?? -1);
        }
        parent[i] = p;
        const parentState = p < 0 ? view.observationKey : prev?.level.states ? tensorRowKey(prev.level.states, p) : null;
        const action = path[width - 1]!;
        const wm = parentState === null ? null : view.predicted(parentState, action);
        if (wm === null || wm.done === null) this.doneMissing ||= wm === null;
        const done = wm?.done ?? 0;
        const parentAlive = p < 0 || prev === null ? 1 : prev.alive[p]!;
        const parentRet = p < 0 || prev === null ? 0 : prev.ret[p]!;
        const r = level.rewards === null || gamma === null ? NaN : level.rewards.data[i]!;
        ret[i] = gamma === null ? NaN : parentRet + gamma ** level.depth * parentAlive * r;
        alive[i] = parentAlive * (1 - done);
      }
      byDepth.push({ level, ret, alive, parent });
      if (level.chosen.length > 0) chosenAt = { depth: byDepth.length - 1, row: level.chosen[0]! };
      prev = { level, ret, alive, prefix };
    }
    for (let d = 0; d < byDepth.length; d++) {
      const { level, ret, alive } = byDepth[d]!;
      const expanded = new Set(level.expanded);
      const n = rowCount(level.actions);
      const width = rowWidth(level.actions);
      for (let i = 0; i < n; i++) {
        const isChosen = chosenAt !== null && chosenAt.depth === d && chosenAt.row === i;
        if (expanded.has(i) && !isChosen) continue;
        const states: (TensorData | null)[] = [];
        const returns: (number | null)[] = [];
        for (let k = d, row = i; k >= 0 && row >= 0; k--) {
          const s = byDepth[k]!.level.states;
          states.unshift(s === null ? null : tensorRow(s, row));
          const r = byDepth[k]!.ret[row]!;
          returns.unshift(Number.isNaN(r) ? null : r);
          row = byDepth[k]!.parent[row]!;
        }
        const leaf: PlanLeaf = {
          depth: level.depth,
          row: i,
          actions: Array.from(level.actions.data.subarray(i * width, (i + 1) * width)),
          imaginedReturn: Number.isNaN(ret[i]!) ? null : ret[i]!,
          alive: alive[i]!,
          returns,
          states,
          chosen: isChosen,
        };
        this.leaves.push(leaf);
        if (isChosen) this.chosenLeaf = leaf;
      }
    }
  }
}
