import type { PayloadOf } from '../events/registry.js';

/** What one MCTS search did to the actor's prior at the root. */
export interface SearchPolicyStats {
  /** E_visits[Q] − E_prior[Q] over the root's children, Q from the tree (r̂ + discount · value). */
  improvement: number;
  /** KL(visit distribution ‖ actor prior) at the root, in nats. */
  kl: number;
  /** Whether the executed action is (one of) the most visited. */
  mostVisited: boolean;
}

/** Priors below this count as this in the KL, so that a prior of exactly 0 gives a large finite figure. */
const PRIOR_FLOOR = 1e-12;

/**
 * The root statistics of a recorded planner.searched tree against the actor's own prior there
 * (actor.proposed at the observation, before any noise the search mixed in). Null when the tree
 * has no visited child or the prior does not cover its actions.
 */
export function searchPolicyStats(tree: PayloadOf<'planner.searched'>, prior: readonly number[], executed: number): SearchPolicyStats | null {
  const { parents, actions, visits, values, rewards, discounts } = tree;
  const children: number[] = [];
  for (let n = 0; n < parents.data.length; n++) if (parents.data[n] === 0) children.push(n);
  const total = children.reduce((s, n) => s + visits.data[n]!, 0);
  if (children.length === 0 || total === 0 || children.some((n) => actions.data[n]! >= prior.length)) return null;
  let priorMass = 0;
  for (const n of children) priorMass += prior[actions.data[n]!]!;
  let improvement = 0;
  let kl = 0;
  let maxVisits = 0;
  for (const n of children) {
    const pv = visits.data[n]! / total;
    const pp = prior[actions.data[n]!]! / (priorMass > 0 ? priorMass : 1);
    const q = rewards.data[n]! + discounts.data[n]! * values.data[n]!;
    improvement += (pv - pp) * q;
    if (pv > 0) kl += pv * Math.log(pv / Math.max(pp, PRIOR_FLOOR));
    maxVisits = Math.max(maxVisits, visits.data[n]!);
  }
  const executedNode = children.find((n) => actions.data[n] === executed);
  return { improvement, kl, mostVisited: executedNode !== undefined && visits.data[executedNode]! === maxVisits };
}
