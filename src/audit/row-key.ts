import type { Tensor, TensorData } from '../events/tensor.js';

/**
 * A string that is equal for two rows exactly when their values are equal bit for bit (as
 * float64, so a float32 row and the float64 row of the same numbers match). Audits identify
 * things by content with it: the root value is the critic row whose state is the observation.
 */
export function rowKey(data: TensorData | ArrayLike<number>, start = 0, width = data.length): string {
  const row = new Float64Array(width);
  for (let i = 0; i < width; i++) row[i] = data[start + i]!;
  return Buffer.from(row.buffer).toString('base64');
}

/** Number of rows of a batched tensor ([N, ...] → N; a vector counts as N rows of width 1). */
export function rowCount(t: Tensor): number {
  return t.shape.length === 0 ? 1 : t.shape[0]!;
}

/** Elements per row of a batched tensor. */
export function rowWidth(t: Tensor): number {
  return t.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Key of row `i` of a batched tensor. */
export function tensorRowKey(t: Tensor, i: number): string {
  const w = rowWidth(t);
  return rowKey(t.data, i * w, w);
}

/** Row `i` of a batched tensor as a view (no copy). */
export function tensorRow(t: Tensor, i: number): TensorData {
  const w = rowWidth(t);
  return t.data.subarray(i * w, (i + 1) * w) as TensorData;
}
