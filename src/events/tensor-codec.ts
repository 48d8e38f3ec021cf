import { FlightrecError } from '../errors/flightrec-error.js';
import { arrayTypeFor, DTYPE_SIZE, elementCount, type Dtype, type Tensor, type TensorData } from './tensor.js';

/** A tensor whose bytes, dtype or shape do not fit together. */
export class TensorCodecError extends FlightrecError {
  constructor(message: string, details: Record<string, unknown>) {
    super('INVALID_TENSOR', message, details);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
if (!LITTLE_ENDIAN) throw new Error('flightrec stores tensors as little-endian bytes and needs a little-endian host');

/** The tensor's elements as raw little-endian bytes (a view, not a copy, when the array is aligned). */
export function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Rebuilds a tensor from dtype, shape and bytes. Throws TensorCodecError when a dimension is
 * negative or fractional, the element count overflows, or the byte length does not match.
 * The bytes are copied, so the result never aliases a database buffer.
 */
export function tensorFromBytes(dtype: Dtype, shape: readonly number[], bytes: Uint8Array): Tensor {
  const n = elementCount(shape);
  if (typeof n === 'string') throw new TensorCodecError(`invalid tensor shape: ${n}`, { dtype, shape: [...shape] });
  const size = DTYPE_SIZE[dtype];
  if (size === undefined) throw new TensorCodecError(`unknown tensor dtype: ${String(dtype)}`, { dtype });
  if (bytes.byteLength !== n * size) {
    throw new TensorCodecError(
      `tensor byte length ${bytes.byteLength} does not match ${dtype}[${shape.join(', ')}] (${n * size} bytes)`,
      { dtype, shape: [...shape], bytes: bytes.byteLength, expected: n * size },
    );
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const Ctor = arrayTypeFor(dtype);
  const data = new Ctor(copy.buffer, 0, n) as TensorData;
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) {
      if (data[i]! > 1) throw new TensorCodecError(`bool tensor element ${i} is ${data[i]}, not 0 or 1`, { dtype, index: i });
    }
  }
  return { dtype, shape: [...shape], data };
}
