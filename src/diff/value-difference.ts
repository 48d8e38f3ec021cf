import { DTYPE_SIZE, isTensor, type Tensor } from '../events/tensor.js';
import { tensorBytes } from '../events/tensor-codec.js';

/** Where two decoded values first differ, bit-exact: the path below the compared value and both sides there. */
export interface ValueDifference {
  /** Dotted path below the compared value ('' when the values themselves differ), e.g. `critic` or `[2]`. */
  readonly path: string;
  readonly a: unknown;
  readonly b: unknown;
  /** For two tensors of equal dtype and shape: the multi-index of the first differing element. */
  readonly index: readonly number[] | null;
}

/**
 * The first difference between two decoded payload values, or null when they are equal bit for
 * bit: tensors by dtype, shape and bytes (so NaN equals the same NaN, and -0 differs from 0),
 * numbers by their bits, objects key by key in sorted order, arrays element by element.
 */
export function firstDifference(a: unknown, b: unknown, path = ''): ValueDifference | null {
  if (isTensor(a) || isTensor(b)) {
    if (!isTensor(a) || !isTensor(b)) return { path, a, b, index: null };
    return tensorDifference(a, b, path);
  }
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, b) ? null : { path, a, b, index: null };
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? null : { path, a, b, index: null };
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return { path, a, b, index: null };
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return a.length === b.length ? null : { path, a, b, index: null };
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
  for (const k of keys) {
    const sub = path === '' ? k : `${path}.${k}`;
    if (!(k in ao) || !(k in bo)) return { path: sub, a: ao[k], b: bo[k], index: null };
    const d = firstDifference(ao[k], bo[k], sub);
    if (d !== null) return d;
  }
  return null;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Equal bits (NaN payloads aside, which JavaScript numbers may not keep): 0 and -0 differ, NaN equals NaN. */
function sameNumber(x: number, y: number): boolean {
  if (x === y) return x !== 0 || Object.is(x, y);
  if (x !== x && y !== y) {
    f64[0] = x;
    const a0 = u32[0];
    const a1 = u32[1];
    f64[0] = y;
    return a0 === u32[0] && a1 === u32[1];
  }
  return false;
}

function tensorDifference(a: Tensor, b: Tensor, path: string): ValueDifference | null {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return { path, a, b, index: null };
  const x = tensorBytes(a);
  const y = tensorBytes(b);
  if (Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength))) return null;
  const size = DTYPE_SIZE[a.dtype];
  let at = 0;
  while (at < x.length && x[at] === y[at]) at++;
  return { path, a, b, index: unravel(Math.floor(at / size), a.shape) };
}

/** Multi-index of a flat (row-major) index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    index[d] = n === 0 ? 0 : flat % n;
    flat = n === 0 ? flat : Math.floor(flat / n);
  }
  return index;
}

/** Flat (row-major) index of a multi-index. */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + index[d]!;
  return flat;
}
