import type { PayloadOf } from '../events/registry.js';

/** A path from the root of a recorded MCTS tree, as a plan to roll out. */
export interface TreePlan {
  /** Actions from the root along the path. */
  actions: number[];
  /** Σ_k (Π_{j<k} discount_j)·r̂_k along the path (discounts hold γ·(1 − done)), no leaf value. */
  imaginedReturn: number;
  /** The same after each step (index k = after k + 1 steps). */
  returns: number[];
  /** Imagined probability that the episode is still running after the last step (Π (1 − done)). */
  alive: number;
  /** The path the search prefers (chosen_path: the executed action, then the most visited). */
  chosen: boolean;
}

/**
 * The plans of an MCTS tree (planner.searched): the chosen path, and the path to every other
 * leaf (a node with no children) below a visited node, with the imagined returns the tree's
 * rewards and discounts give along each. Paths that are prefixes of the chosen one are left out.
 */
export function treePlans(tree: PayloadOf<'planner.searched'>, gamma: number): TreePlan[] {
  const { parents, actions, visits, rewards, discounts } = tree;
  const N = parents.data.length;
  const hasChild = new Uint8Array(N);
  for (let n = 1; n < N; n++) hasChild[parents.data[n]!] = 1;
  const pathTo = (node: number): number[] => {
    const path: number[] = [];
    for (let n = node; n > 0; n = parents.data[n]!) path.unshift(n);
    return path;
  };
  const plan = (path: readonly number[], chosen: boolean): TreePlan => {
    const returns: number[] = [];
    let ret = 0;
    let weight = 1;
    for (const n of path) {
      ret += weight * rewards.data[n]!;
      weight *= discounts.data[n]!;
      returns.push(ret);
    }
    return { actions: path.map((n) => actions.data[n]!), imaginedReturn: ret, returns, alive: weight / gamma ** path.length, chosen };
  };
  const chosenPath = tree.chosen_path.slice(1);
  const out: TreePlan[] = chosenPath.length === 0 ? [] : [plan(chosenPath, true)];
  const chosenEnd = chosenPath.at(-1);
  for (let n = 1; n < N; n++) {
    if (hasChild[n] || n === chosenEnd || visits.data[parents.data[n]!]! === 0) continue;
    out.push(plan(pathTo(n), false));
  }
  return out;
}
