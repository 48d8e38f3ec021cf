import type { DecisionView } from './decision-view.js';
import { lastSearch } from './last-search.js';
import { rowCount, rowKey, rowWidth } from './row-key.js';

/** Q of each first action over the plans a decision's search considered, and the search's depth. */
export interface LookaheadQ {
  /** First action → the best value of a searched plan starting with it. */
  q: Map<number, number>;
  /** Levels of the search (its horizon in steps). */
  depth: number;
}

/**
 * Q(s, a) looking as far ahead as the decision's tree search did (planner.expanded levels), rebuilt
 * from the components' own rows, matched by content, never from the planner's scores: along a
 * searched plan a₀…a_d from the observation, ŝ and done come from the world-model row at (state,
 * action), r̂ from the reward row there, and the plan's value is
 *   Σ_k γ^k·P(alive before k)·r̂_k + γ^{d+1}·P(alive after d)·V(ŝ_{d+1}),
 * V from the critic row at the last state. Q(a) is the best value of a plan the search did not
 * extend (its leaves) whose first action is a. For a one-step search this is the one-step Q, so
 * it is only formed for searches deeper than one level (null otherwise, and for decisions without
 * planner.expanded); 'unevaluable' when some row was not recorded.
 */
export function lookaheadQ(view: DecisionView, gamma: number): LookaheadQ | 'unevaluable' | null {
  const search = lastSearch(view.events('planner.expanded').map((e) => e.payload));
  if (search.length < 2) return null;
  const q = new Map<number, number>();
  let prev: { keys: string[]; ret: Float64Array; alive: Float64Array; prefix: Map<string, number> } | null = null;
  for (let d = 0; d < search.length; d++) {
    const level = search[d]!;
    const n = rowCount(level.actions);
    const width = rowWidth(level.actions);
    const keys: string[] = new Array(n);
    const ret = new Float64Array(n);
    const alive = new Float64Array(n);
    const prefix = new Map<string, number>();
    const expanded = new Set(d + 1 < search.length ? level.expanded : []);
    for (let i = 0; i < n; i++) {
      const path = level.actions.data.subarray(i * width, (i + 1) * width);
      prefix.set(rowKey(path), i);
      const p = prev === null ? -1 : level.parents !== null ? level.parents.data[i]! : (prev.prefix.get(rowKey(path, 0, width - 1)) ?? -1);
      if (prev !== null && p < 0) return 'unevaluable';
      const parentKey = p < 0 ? view.observationKey : prev!.keys[p]!;
      const action = path[width - 1]!;
      const r = view.rewardOf(parentKey, action);
      const wm = view.predicted(parentKey, action);
      const key = r?.nextKey ?? wm?.nextKey ?? null;
      if (r === null || key === null) return 'unevaluable';
      const parentAlive = p < 0 ? 1 : prev!.alive[p]!;
      keys[i] = key;
      ret[i] = (p < 0 ? 0 : prev!.ret[p]!) + gamma ** d * parentAlive * r.reward;
      alive[i] = parentAlive * (1 - (wm?.done ?? 0));
      if (expanded.has(i)) continue;
      const v = view.valueAt(key);
      if (v === null) return 'unevaluable';
      const value = ret[i]! + gamma ** (d + 1) * alive[i]! * v;
      const first = path[0]!;
      if (!q.has(first) || value > q.get(first)!) q.set(first, value);
    }
    prev = { keys, ret, alive, prefix };
  }
  return { q, depth: search.length };
}
