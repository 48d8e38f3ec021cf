import { InvalidInputError } from '../errors/flightrec-error.js';
import { parseInput } from './parse-input.js';
import { TransitionTable, type Outcome } from './transition-table.js';

/**
 * Exact solvers over a TransitionTable. Values are infinite-horizon discounted (the definition
 * the audits use) unless the name says finite horizon; `signal` picks which of the table's two
 * payoffs is summed, the reward the agent is trained on or the hidden performance.
 */
export type Signal = 'reward' | 'performance';
/** Deterministic (`policy[s]` = action) or stochastic (`policy[s][a]` = probability). */
export type Policy = Int32Array | readonly Float64Array[];

export interface SolverOptions {
  /** Which payoff to sum; default 'reward'. */
  signal?: Signal;
  /** Value iteration stops once V is provably within this of V* (sup norm); default 1e-12. */
  tol?: number;
  /** Value iteration gives up (converged: false) after this many sweeps; default 100000. */
  maxIters?: number;
}

export interface ValueIterationResult {
  /** Optimal state values V*(s). */
  V: Float64Array;
  /** Q[s][a] = optimal action values. */
  Q: Float64Array[];
  /** A greedy policy; ties go to the lowest action index. */
  policy: Int32Array;
  iterations: number;
  converged: boolean;
}

export interface EpisodeOptimum {
  /** Best expected discounted reward return over the horizon from the start state. */
  discountedReward: number;
  /** Best expected undiscounted reward return (its own DP: the maximiser may differ). */
  undiscountedReward: number;
  /** The time-dependent policy achieving `discountedReward`: `policy[t][s]` is the action at step t. */
  policy: Int32Array[];
  /** That policy's expected undiscounted reward return. */
  policyUndiscountedReward: number;
  /** That policy's expected performance return. */
  performance: { discounted: number; undiscounted: number };
}

// Ties within this margin go to the lowest action, so policies do not flip on rounding noise.
const TIE = 1e-12;

export function valueIteration(table: TransitionTable, gamma: number, opts: SolverOptions = {}): ValueIterationResult {
  const t = check(table, gamma);
  const signal = opts.signal ?? 'reward';
  const tol = opts.tol ?? 1e-12;
  const maxIters = opts.maxIters ?? 100_000;
  let V = new Float64Array(t.numStates);
  const Q = Array.from({ length: t.numStates }, () => new Float64Array(t.numActions));
  let iterations = 0;
  let converged = false;
  while (iterations < maxIters && !converged) {
    const next = new Float64Array(t.numStates);
    let delta = 0;
    for (let s = 0; s < t.numStates; s++) {
      for (let a = 0; a < t.numActions; a++) Q[s]![a] = backup(t.outcomes[s]![a]!, V, gamma, signal);
      next[s] = Math.max(...Q[s]!);
      delta = Math.max(delta, Math.abs(next[s]! - V[s]!));
    }
    V = next;
    iterations++;
    // For γ < 1, a sweep moving values by δ leaves them within δγ/(1−γ) of the fixed point.
    converged = (gamma < 1 ? (delta * gamma) / (1 - gamma) : delta) <= tol;
  }
  for (let s = 0; s < t.numStates; s++) {
    for (let a = 0; a < t.numActions; a++) Q[s]![a] = backup(t.outcomes[s]![a]!, V, gamma, signal);
  }
  return { V, Q, policy: Int32Array.from(Q, argmax), iterations, converged };
}

/** V^π, exactly: solves (I − γP_π)V = r_π by Gaussian elimination. */
export function policyEvaluation(
  table: TransitionTable,
  gamma: number,
  policy: Policy,
  opts: Pick<SolverOptions, 'signal'> = {},
): Float64Array {
  const t = check(table, gamma);
  const signal = opts.signal ?? 'reward';
  const n = t.numStates;
  const A = Array.from({ length: n }, (_, s) => {
    const row = new Float64Array(n + 1);
    row[s] = 1;
    return row;
  });
  for (let s = 0; s < n; s++) {
    const row = A[s]!;
    for (let a = 0; a < t.numActions; a++) {
      const pa = actionProbability(policy, s, a, t);
      if (pa === 0) continue;
      for (const o of t.outcomes[s]![a]!) {
        row[n] = row[n]! + pa * o.probability * o[signal];
        if (!o.terminal) row[o.nextState] = row[o.nextState]! - gamma * pa * o.probability;
      }
    }
  }
  return solve(A, n);
}

/** Expected discounted return of a stationary policy over `horizon` steps from `startState`. */
export function finiteHorizonReturn(
  table: TransitionTable,
  gamma: number,
  policy: Policy,
  horizon: number,
  startState: number,
  opts: Pick<SolverOptions, 'signal'> = {},
): number {
  const t = check(table, gamma, horizon, startState);
  const byStep = (_step: number, s: number, a: number): number => actionProbability(policy, s, a, t);
  return rollBack(t, gamma, horizon, byStep, opts.signal ?? 'reward')[startState]!;
}

/**
 * The best reward return achievable within `horizon` steps from `startState` (finite-horizon
 * DP, so the optimal policy may depend on time), and what that policy earns in performance.
 */
export function optimalEpisodeReturn(table: TransitionTable, gamma: number, horizon: number, startState: number): EpisodeOptimum {
  const t = check(table, gamma, horizon, startState);
  const best = (g: number): { V: Float64Array; policy: Int32Array[] } => {
    const policy: Int32Array[] = new Array(horizon);
    let V = new Float64Array(t.numStates);
    for (let step = horizon - 1; step >= 0; step--) {
      const Qs = t.outcomes.map((byAction) => Float64Array.from(byAction, (os) => backup(os, V, g, 'reward')));
      policy[step] = Int32Array.from(Qs, argmax);
      V = Float64Array.from(Qs, (q) => Math.max(...q));
    }
    return { V, policy };
  };
  const discounted = best(gamma);
  const follows = (step: number, s: number, a: number): number => (discounted.policy[step]![s] === a ? 1 : 0);
  const of = (g: number, signal: Signal): number => rollBack(t, g, horizon, follows, signal)[startState]!;
  return {
    discountedReward: discounted.V[startState]!,
    undiscountedReward: best(1).V[startState]!,
    policy: discounted.policy,
    policyUndiscountedReward: of(1, 'reward'),
    performance: { discounted: of(gamma, 'performance'), undiscounted: of(1, 'performance') },
  };
}

function check(table: TransitionTable, gamma: number, horizon = 0, startState = 0): TransitionTable {
  const t = parseInput(TransitionTable, table, 'transition table');
  if (!(gamma >= 0 && gamma <= 1)) throw new InvalidInputError(`gamma must be in [0, 1], got ${gamma}`, { gamma });
  if (!Number.isInteger(horizon) || horizon < 0) throw new InvalidInputError(`invalid horizon ${horizon}`, { horizon });
  if (!Number.isInteger(startState) || startState < 0 || startState >= t.numStates) {
    throw new InvalidInputError(`invalid start state ${startState}`, { startState });
  }
  return t;
}

function backup(outcomes: readonly Outcome[], V: Float64Array, gamma: number, signal: Signal): number {
  let q = 0;
  for (const o of outcomes) q += o.probability * (o[signal] + (o.terminal ? 0 : gamma * V[o.nextState]!));
  return q;
}

function argmax(q: Float64Array): number {
  let best = 0;
  for (let a = 1; a < q.length; a++) if (q[a]! > q[best]! + TIE) best = a;
  return best;
}

function actionProbability(policy: Policy, s: number, a: number, t: TransitionTable): number {
  const p = policy[s];
  if (p === undefined || policy.length !== t.numStates) {
    throw new InvalidInputError(`policy covers ${policy.length} states, the table has ${t.numStates}`, {});
  }
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 0 || p >= t.numActions) throw new InvalidInputError(`policy[${s}] = ${p} is not an action`, { s, p });
    return p === a ? 1 : 0;
  }
  if (p.length !== t.numActions) throw new InvalidInputError(`policy[${s}] has ${p.length} probabilities, expected ${t.numActions}`, { s });
  return p[a]!;
}

/** Expected return over `horizon` steps from every state, for a possibly time-dependent policy. */
function rollBack(
  t: TransitionTable,
  gamma: number,
  horizon: number,
  pi: (step: number, s: number, a: number) => number,
  signal: Signal,
): Float64Array {
  let V = new Float64Array(t.numStates);
  for (let step = horizon - 1; step >= 0; step--) {
    const next = new Float64Array(t.numStates);
    for (let s = 0; s < t.numStates; s++) {
      for (let a = 0; a < t.numActions; a++) {
        const pa = pi(step, s, a);
        if (pa !== 0) next[s] = next[s]! + pa * backup(t.outcomes[s]![a]!, V, gamma, signal);
      }
    }
    V = next;
  }
  return V;
}

/** Gaussian elimination with partial pivoting on an n×(n+1) augmented matrix. */
function solve(A: Float64Array[], n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[pivot]![col]!)) pivot = r;
    if (Math.abs(A[pivot]![col]!) < 1e-14) {
      throw new InvalidInputError('policy evaluation is singular: with gamma = 1 the policy must reach a terminal outcome', {});
    }
    [A[col], A[pivot]] = [A[pivot]!, A[col]!];
    const p = A[col]!;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = A[r]!;
      const f = row[col]! / p[col]!;
      if (f !== 0) for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  return Float64Array.from(A, (row, i) => row[n]! / row[i]!);
}
