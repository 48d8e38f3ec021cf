import type { Json } from '../events/common-schemas.js';
import type { Environment } from '../envs/environment.js';
import { ENVIRONMENT_IDS, makeEnvironment } from '../envs/registry.js';

/** What the real environment paid for a plan's actions from a decision's saved state. */
export interface PlanRollout {
  /** Realized discounted return after each step taken (index k = after k + 1 steps). */
  returns: number[];
  /** Real observation after each step taken. */
  observations: Float32Array[];
  /** How the rollout stopped before its last action, if it did. */
  stopped: 'terminated' | 'truncated' | null;
}

/** A fresh built-in environment to roll plans out in, or null when the run's env is not one. */
export function rolloutEnvironment(env: string | null): Environment | null {
  return env !== null && (ENVIRONMENT_IDS as readonly string[]).includes(env) ? makeEnvironment(env) : null;
}

/**
 * Restores `state` (decision.started's env_state) and takes `actions` in the real dynamics,
 * stopping when the episode ends. Null when the state cannot be restored.
 */
export function rollOutPlan(env: Environment, state: Json, actions: readonly (number | Float32Array)[], gamma: number): PlanRollout | null {
  try {
    env.restoreState(state as Record<string, unknown>);
  } catch {
    return null;
  }
  const out: PlanRollout = { returns: [], observations: [], stopped: null };
  let ret = 0;
  for (let k = 0; k < actions.length; k++) {
    const r = env.step(actions[k]!);
    ret += gamma ** k * r.reward;
    out.returns.push(ret);
    out.observations.push(r.observation);
    if (r.terminated || r.truncated) {
      if (k < actions.length - 1) out.stopped = r.terminated ? 'terminated' : 'truncated';
      break;
    }
  }
  return out;
}
