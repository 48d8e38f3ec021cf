import type { Json } from '../events/common-schemas.js';
import { Gridworld, GridworldState } from '../envs/gridworld.js';
import { policyEvaluation } from '../envs/tabular-solver.js';
import type { TransitionTable } from '../envs/transition-table.js';
import { rowKey } from './row-key.js';

/** A built-in environment's exact MDP with observations mapped to its state indices. */
export interface TabularModel {
  readonly table: TransitionTable;
  readonly numStates: number;
  readonly numActions: number;
  /** Tabular state of an observation (by row key), undefined when it is none of them. */
  stateOf(observationKey: string): number | undefined;
}

/**
 * The exact MDP of a tabular run, or null when its environment has none. The gridworld's table
 * depends on its slip, which the recorded env_state carries; observations are matched to states
 * by `Gridworld.observationForState`.
 */
export function tabularModelFor(env: string | null, envState: Json | null): TabularModel | null {
  if (env !== 'gridworld') return null;
  const parsed = GridworldState.safeParse(envState);
  const g = new Gridworld(parsed.success ? { slip: parsed.data.slip, maxEpisodeSteps: parsed.data.maxEpisodeSteps } : {});
  const byKey = new Map<string, number>();
  for (let s = 0; s < g.numStates; s++) byKey.set(rowKey(g.observationForState(s)), s);
  return { table: g.transitionTable(), numStates: g.numStates, numActions: 4, stateOf: (k) => byKey.get(k) };
}

/**
 * V^π of the empirical policy given by action counts ([s·A + a]); states never acted in are
 * given the uniform policy (their value only matters through states that can reach them).
 */
export function empiricalPolicyValues(model: TabularModel, gamma: number, counts: Float64Array): Float64Array {
  const A = model.numActions;
  const policy = Array.from({ length: model.numStates }, (_, s) => {
    let total = 0;
    for (let a = 0; a < A; a++) total += counts[s * A + a]!;
    return Float64Array.from({ length: A }, (_, a) => (total === 0 ? 1 / A : counts[s * A + a]! / total));
  });
  return policyEvaluation(model.table, gamma, policy);
}
