import { actionKeyOf, type DecisionView, type Prediction } from './decision-view.js';

/** An action sequence the planner scored, with what the model imagined along it (no leaf value). */
export interface SampledPlan {
  /** The sequence's actions, one float32 vector per step. */
  actions: Float32Array[];
  /** Σ_k γ^k·P(alive before step k)·r̂_k over the whole sequence; null when a step's rows were not recorded. */
  imaginedReturn: number | null;
  /** The same after each step (index k = after k + 1 steps). */
  returns: (number | null)[];
  chosen: boolean;
}

/**
 * The elites of a sampling planner's last iteration (planner.iterated with the final choice) as
 * plans: their action sequences from the recorded sample tensors, the imagined return along each
 * rebuilt from the decision's reward and world-model rows (matched by content, step by step from
 * the observation), the drawn elite marked chosen. 'not-recorded' when the recording policy left
 * this decision's samples out; null when the decision has no such iteration.
 */
export function sampledPlans(view: DecisionView, gamma: number): SampledPlan[] | 'not-recorded' | null {
  const last = view.events('planner.iterated').findLast((e) => e.payload.chosen_elite !== null);
  if (last === undefined) return null;
  const p = last.payload;
  if (p.sample_actions === null) return 'not-recorded';
  const [, H = 1, A = 1] = p.sample_actions.shape;
  const data = p.sample_actions.data;
  return p.elites.map((row, e) => {
    const actions = Array.from({ length: H }, (_, t) => Float32Array.from(data.subarray((row * H + t) * A, (row * H + t + 1) * A)));
    const returns: (number | null)[] = [];
    let state: string | null = view.observationKey;
    let ret = 0;
    let alive = 1;
    for (let t = 0; t < H; t++) {
      const key = actionKeyOf(actions[t]!);
      const r = state === null ? null : view.rewardOf(state, key);
      const wm: Prediction | null = state === null ? null : view.predicted(state, key);
      if (r === null || wm === null) {
        returns.push(null);
        state = null;
        continue;
      }
      ret += gamma ** t * alive * r.reward;
      alive *= 1 - (wm.done ?? 0);
      returns.push(ret);
      state = wm.nextKey;
    }
    return { actions, imaginedReturn: returns.at(-1) ?? null, returns, chosen: e === p.chosen_elite };
  });
}
