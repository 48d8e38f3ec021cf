/** Per-element mean squared error and largest absolute difference between a predicted and a real state. */
export function stateError(predicted: ArrayLike<number>, real: ArrayLike<number>): { mse: number; maxAbs: number } {
  let se = 0;
  let maxAbs = 0;
  const n = Math.min(predicted.length, real.length);
  for (let j = 0; j < n; j++) {
    const d = predicted[j]! - real[j]!;
    se += d * d;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { mse: n === 0 ? NaN : se / n, maxAbs };
}
