import type { Json } from '../events/common-schemas.js';
import { findEnvironment } from '../envs/registry.js';
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
 * The exact MDP of a run, or null when its environment declares no tabular dynamics (or the
 * registry does not know it). The table can depend on config the recorded env_state carries (the
 * gridworld's slip), so the state is restored first; observations are matched to states by the
 * env's `observationForState`.
 */
export function tabularModelFor(envId: string | null, envState: Json | null): TabularModel | null {
  const env = findEnvironment(envId);
  if (env?.tabular === undefined) return null;
  if (envState !== null && typeof envState === 'object' && !Array.isArray(envState)) {
    try {
      env.restoreState(envState);
    } catch {
      // A state this env cannot restore keeps its default config, as an unparsable state always has.
    }
  }
  const t = env.tabular;
  const byKey = new Map<string, number>();
  for (let s = 0; s < t.numStates; s++) byKey.set(rowKey(t.observationForState(s)), s);
  const table = t.transitionTable();
  return { table, numStates: t.numStates, numActions: table.numActions, stateOf: (k) => byKey.get(k) };
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
