import { z } from 'zod';
import { describeValue } from '../../events/event-errors.js';
import { Dtype, isTensor } from '../../events/tensor.js';
import { tensorBytes, tensorFromBytes } from '../../events/tensor-codec.js';
import { FlightrecError } from '../../errors/flightrec-error.js';

/**
 * Payload values in NDJSON. JSON has no tensors and no NaN, ±Infinity or -0, so those become
 * single-purpose marker objects; a payload object that itself uses a marker key is wrapped in
 * `$obj`, which keeps the mapping one-to-one (a config may hold any JSON).
 */
const MARKER_KEYS = new Set(['$tensor', '$num', '$obj']);

// x86 produces NaN with the sign bit set (e.g. Infinity - Infinity), and the chain hashes the
// exact bits, so a NaN other than the canonical one carries its bits.
const CANONICAL_NAN = 0x7ff8000000000000n;
const bits = new DataView(new ArrayBuffer(8));

/** Name of a number JSON cannot hold exactly (NaN, Infinity, -Infinity, -0), or null for an ordinary one. */
export function specialNumberName(x: number): 'NaN' | 'Infinity' | '-Infinity' | '-0' | null {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return null;
}

/** A payload value as JSON-ready data: tensors as little-endian base64, special numbers as markers. */
export function toNdjsonValue(v: unknown): unknown {
  if (typeof v === 'number') {
    const name = specialNumberName(v);
    if (name === null) return v;
    if (name !== 'NaN') return { $num: name };
    bits.setFloat64(0, v);
    const b = bits.getBigUint64(0);
    return b === CANONICAL_NAN ? { $num: 'NaN' } : { $num: 'NaN', bits: b.toString(16).padStart(16, '0') };
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toNdjsonValue);
  if (isTensor(v)) return { $tensor: { dtype: v.dtype, shape: v.shape, b64: Buffer.from(tensorBytes(v)).toString('base64') } };
  const out: Record<string, unknown> = {};
  let marked = false;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    out[k] = toNdjsonValue(x);
    if (MARKER_KEYS.has(k)) marked = true;
  }
  return marked ? { $obj: out } : out;
}

/** A value in an NDJSON line that is not a valid payload value; `path` is dotted from the line's root. */
export class NdjsonValueError extends FlightrecError {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly received: string,
  ) {
    super('INVALID_IMPORT', `${path}: ${problem}, received ${received}`, { path, received });
  }
}

const TensorMarker = z.strictObject({ dtype: Dtype, shape: z.array(z.int().nonnegative()).max(32), b64: z.string() });
const NumMarker = z.strictObject({
  $num: z.enum(['NaN', 'Infinity', '-Infinity', '-0']),
  bits: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits').optional(),
});

/** Deepest nesting of a payload value: the payload codec's limit, checked here before recursing so deep JSON cannot overflow the stack. */
const MAX_DEPTH = 64;

/** Inverse of toNdjsonValue; throws NdjsonValueError naming the path and the value received. */
export function fromNdjsonValue(v: unknown, path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new NdjsonValueError(path, `payload nests deeper than ${MAX_DEPTH} levels`, Array.isArray(v) ? 'an array' : v !== null && typeof v === 'object' ? 'an object' : describeValue(v));
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x, i) => fromNdjsonValue(x, `${path}.${i}`, depth + 1));
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.includes('$tensor')) return tensorFrom(o, keys, path);
  if (keys.includes('$num')) return numberFrom(o, path);
  if (keys.includes('$obj')) {
    if (keys.length !== 1 || o.$obj === null || typeof o.$obj !== 'object' || Array.isArray(o.$obj)) {
      throw new NdjsonValueError(`${path}.$obj`, '$obj must be the only key and hold an object', describeValue(o.$obj));
    }
    return objectFrom(o.$obj as Record<string, unknown>, path, depth);
  }
  return objectFrom(o, path, depth);
}

function objectFrom(o: Record<string, unknown>, path: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (k === '__proto__') throw new NdjsonValueError(`${path}.${k}`, 'key __proto__ is not allowed', describeValue(x));
    out[k] = fromNdjsonValue(x, `${path}.${k}`, depth + 1);
  }
  return out;
}

function tensorFrom(o: Record<string, unknown>, keys: string[], path: string): unknown {
  if (keys.length !== 1) throw new NdjsonValueError(path, '$tensor must be the only key', describeValue(keys));
  const r = TensorMarker.safeParse(o.$tensor);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const at = [path, '$tensor', ...i.path.map(String)].join('.');
    throw new NdjsonValueError(at, i.message, describeValue(i.path.reduce<unknown>((x, k) => (x as Record<PropertyKey, unknown>)?.[k], o.$tensor)));
  }
  const { dtype, shape, b64 } = r.data;
  // Canonical means the bytes re-encode to the same text (a regex over megabytes of base64 overflows the stack).
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.toString('base64') !== b64) throw new NdjsonValueError(`${path}.$tensor.b64`, 'not canonical base64', describeValue(b64));
  try {
    return tensorFromBytes(dtype, shape, bytes);
  } catch (e) {
    throw new NdjsonValueError(`${path}.$tensor.b64`, e instanceof Error ? e.message : String(e), `${bytes.byteLength} bytes`);
  }
}

function numberFrom(o: Record<string, unknown>, path: string): number {
  const r = NumMarker.safeParse(o);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = i.code === 'unrecognized_keys' ? i.keys[0]! : String(i.path[0] ?? '$num');
    throw new NdjsonValueError(`${path}.${key}`, i.message, describeValue(o[key]));
  }
  const { $num, bits: hex } = r.data;
  if (hex === undefined) return { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 }[$num];
  bits.setBigUint64(0, BigInt(`0x${hex}`));
  const x = bits.getFloat64(0);
  if ($num !== 'NaN' || !Number.isNaN(x)) throw new NdjsonValueError(`${path}.bits`, 'bits are only for NaN and must encode a NaN', describeValue(hex));
  return x;
}
