import { z } from 'zod';

/** Element types a recorded tensor may have. `bool` is stored as one byte per element, 0 or 1. */
export const Dtype = z.enum(['float32', 'float64', 'int32', 'uint8', 'bool']);
export type Dtype = z.infer<typeof Dtype>;

export type TensorData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Bytes per element, by dtype. */
export const DTYPE_SIZE: Readonly<Record<Dtype, number>> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1 };

const DTYPE_ARRAY = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

/** Largest tensor flightrec accepts, in elements; larger shapes are an error, not an allocation attempt. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/** Element count of a shape, or an error message when a dimension is not a non-negative integer or the count is too large. */
export function elementCount(shape: readonly number[]): number | string {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return `dimension ${i} must be a non-negative integer, got ${String(d)}`;
    n *= d;
    if (n > MAX_TENSOR_ELEMENTS) return `shape [${shape.join(', ')}] has more than ${MAX_TENSOR_ELEMENTS} elements`;
  }
  return n;
}

/**
 * A tensor value inside an event payload: dtype, shape and a typed array of exactly
 * product(shape) elements. Stored as raw little-endian bytes, so NaN payloads, ±Infinity and -0
 * survive bit for bit.
 */
export const Tensor = z
  .strictObject({
    dtype: Dtype,
    shape: z.array(z.number()).max(32),
    data: z.custom<TensorData>((v) => ArrayBuffer.isView(v) && !(v instanceof DataView), 'expected a typed array'),
  })
  .superRefine((t, ctx) => {
    const n = elementCount(t.shape);
    if (typeof n === 'string') {
      ctx.addIssue({ code: 'custom', path: ['shape'], message: n, input: t.shape });
      return;
    }
    if (!(t.data instanceof DTYPE_ARRAY[t.dtype])) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `dtype ${t.dtype} needs a ${DTYPE_ARRAY[t.dtype].name}, got ${t.data.constructor.name}`, input: t.data.constructor.name });
    } else if (t.data.length !== n) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `shape [${t.shape.join(', ')}] needs ${n} elements, got ${t.data.length}`, input: t.data.length });
    } else if (t.dtype === 'bool' && t.data.some((b) => b > 1)) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'bool tensor elements must be 0 or 1', input: Array.from(t.data.filter((b) => b > 1)).slice(0, 3) });
    }
  });
export type Tensor = z.infer<typeof Tensor>;

/** True when `v` has the shape of a Tensor value (used by codecs to tell tensors from plain objects). */
export function isTensor(v: unknown): v is Tensor {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.dtype === 'string' && Array.isArray(o.shape) && ArrayBuffer.isView(o.data);
}

/** Typed-array constructor for a dtype. */
export function arrayTypeFor(dtype: Dtype): (typeof DTYPE_ARRAY)[Dtype] {
  return DTYPE_ARRAY[dtype];
}

/** Convenience constructors; shape defaults to a vector. */
export function f32(data: ArrayLike<number>, shape?: number[]): Tensor {
  const d = data instanceof Float32Array ? data : Float32Array.from(data);
  return { dtype: 'float32', shape: shape ?? [d.length], data: d };
}
export function f64(data: ArrayLike<number>, shape?: number[]): Tensor {
  const d = data instanceof Float64Array ? data : Float64Array.from(data);
  return { dtype: 'float64', shape: shape ?? [d.length], data: d };
}
export function i32(data: ArrayLike<number>, shape?: number[]): Tensor {
  const d = data instanceof Int32Array ? data : Int32Array.from(data);
  return { dtype: 'int32', shape: shape ?? [d.length], data: d };
}
export function u8(data: ArrayLike<number>, shape?: number[]): Tensor {
  const d = data instanceof Uint8Array ? data : Uint8Array.from(data);
  return { dtype: 'uint8', shape: shape ?? [d.length], data: d };
}
