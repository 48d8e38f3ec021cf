import type { Tensor } from './tensor.js';

/**
 * How far a continuous action must move, in any element, to count as a different action (diff's
 * action flips, re-evaluation and blame). float32 planners that re-run with a changed setting
 * wobble in the last bits; a torque that moves by less than 1e-3 of a unit is the same decision.
 * Discrete actions differ when their ids differ.
 */
export const ACTION_TOLERANCE = 1e-3;

/** A recorded or planned action: a discrete id, a float32 vector, or its JSON form. */
export type AnyAction = number | Float32Array | readonly number[] | Tensor;

function elements(a: Exclude<AnyAction, number>): ArrayLike<number> {
  return 'data' in a && 'dtype' in a ? (a.data as ArrayLike<number>) : (a as ArrayLike<number>);
}

/** True when two actions are different decisions: other ids, other lengths, or an element moved by more than ACTION_TOLERANCE. */
export function actionsDiffer(a: AnyAction, b: AnyAction): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a !== b;
  const x = elements(a);
  const y = elements(b);
  if (x.length !== y.length) return true;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    // NaN compares false with everything: a NaN action differs unless both are NaN.
    if (d > ACTION_TOLERANCE || (Number.isNaN(d) && !(Number.isNaN(x[i]!) && Number.isNaN(y[i]!)))) return true;
  }
  return false;
}

/** An action as JSON: the id, or the vector's elements. */
export function actionJson(a: AnyAction): number | number[] {
  return typeof a === 'number' ? a : Array.from(elements(a));
}
