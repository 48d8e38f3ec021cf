import type { TensorData } from '../events/tensor.js';
import type { PlanLeaf } from './plan-tree.js';
import { stateError } from './state-error.js';

interface Pending {
  decision: number;
  leaf: PlanLeaf;
  matched: number;
  realized: number;
}

/** A chosen plan the real actions followed to its end (or to the episode's termination). */
export interface FollowedPlan {
  decision: number;
  actions: number[];
  /** Imagined − realized discounted return over the plan's steps; null when the search recorded no rewards. */
  optimism: number | null;
}

/** What a chosen plan the agent followed imagined k steps ahead, against what happened. */
export interface KStep {
  k: number;
  /** Plans whose state k steps ahead was recorded and compared. */
  n: number;
  error: number | null;
  imagined_return: number | null;
  realized_return: number | null;
}

/**
 * Chosen plans waiting for the real steps after their decision: each real step that takes the
 * plan's next action compares the imagined state k steps ahead with the real observation
 * (k-step error) and adds the real reward; a step that takes another action drops the plan.
 * At most one plan per decision of the horizon is pending, so memory is bounded by the horizon.
 */
export class FollowedPlans {
  private pending: Pending[] = [];
  private readonly byK: { n: number; sum: number; returns: number; imagined: number; realized: number }[] = [];

  start(decision: number, leaf: PlanLeaf): void {
    this.pending.push({ decision, leaf, matched: 0, realized: 0 });
  }

  /** One real step; returns the plans it completed. */
  step(action: number, reward: number, real: TensorData, terminated: boolean, gamma: number): FollowedPlan[] {
    const done: FollowedPlan[] = [];
    const keep: Pending[] = [];
    for (const p of this.pending) {
      if (p.leaf.actions[p.matched] !== action) continue;
      const slot = (this.byK[p.matched] ??= { n: 0, sum: 0, returns: 0, imagined: 0, realized: 0 });
      const imagined = p.leaf.states[p.matched];
      if (imagined !== null && imagined !== undefined) {
        slot.n++;
        slot.sum += stateError(imagined, real).mse;
      }
      p.realized += gamma ** p.matched * reward;
      const imaginedReturn = p.leaf.returns[p.matched];
      if (imaginedReturn !== null && imaginedReturn !== undefined) {
        slot.returns++;
        slot.imagined += imaginedReturn;
        slot.realized += p.realized;
      }
      p.matched++;
      if (p.matched === p.leaf.actions.length || terminated) {
        const imaginedReturn = p.leaf.imaginedReturn;
        done.push({ decision: p.decision, actions: p.leaf.actions, optimism: imaginedReturn === null ? null : imaginedReturn - p.realized });
      } else keep.push(p);
    }
    this.pending = keep;
    return done;
  }

  /** The episode ended (or was cut): plans still open can no longer be followed. */
  clear(): void {
    this.pending = [];
  }

  /**
   * By k = 1..: mean per-element MSE of the imagined state k steps ahead, and the mean imagined
   * and realized discounted return of the plan's first k steps (what the planner counted on, what
   * reality paid for the same actions); null where the search recorded no states or no rewards.
   */
  kStepErrors(): KStep[] {
    return this.byK.flatMap((s, i) =>
      s === undefined || (s.n === 0 && s.returns === 0)
        ? []
        : [{ k: i + 1, n: s.n, error: s.n === 0 ? null : s.sum / s.n, imagined_return: s.returns === 0 ? null : s.imagined / s.returns, realized_return: s.returns === 0 ? null : s.realized / s.returns }],
    );
  }
}
