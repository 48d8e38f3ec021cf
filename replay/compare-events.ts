import { isTensor } from '../src/events/tensor.js';
import { describeValue } from '../src/events/event-errors.js';

/** Where two events first differ: a dotted field path and both values, rendered for people. */
export interface FieldDifference {
  field: string;
  recorded: string;
  replayed: string;
}

const ENVELOPE = ['type', 'episode', 'step', 'decision', 'component', 'version', 'parent'] as const;

/**
 * First difference between a recorded event and a replayed one, or null when equal. Envelope
 * fields that a replay cannot reproduce (seq, id, t, hash, run) are not compared; tensors are
 * compared bit for bit (NaN payloads and -0 included).
 */
export function firstDifference(recorded: Record<string, unknown>, replayed: Record<string, unknown>): FieldDifference | null {
  for (const k of ENVELOPE) {
    const a = recorded[k] ?? null;
    const b = replayed[k] ?? null;
    if (a !== b) return { field: k, recorded: describeValue(a), replayed: describeValue(b) };
  }
  return diffValue(recorded.payload, replayed.payload, 'payload');
}

export function diffValue(a: unknown, b: unknown, path: string): FieldDifference | null {
  if (isTensor(a) || isTensor(b)) {
    if (!isTensor(a) || !isTensor(b)) return { field: path, recorded: describeValue(a), replayed: describeValue(b) };
    if (a.dtype !== b.dtype) return { field: `${path}.dtype`, recorded: a.dtype, replayed: b.dtype };
    if (a.shape.join(',') !== b.shape.join(',')) return { field: `${path}.shape`, recorded: `[${a.shape.join(', ')}]`, replayed: `[${b.shape.join(', ')}]` };
    const ab = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    const bb = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength);
    if (ab.equals(bb)) return null;
    const size = a.data.BYTES_PER_ELEMENT;
    let i = 0;
    while (i < a.data.length && ab.subarray(i * size, (i + 1) * size).equals(bb.subarray(i * size, (i + 1) * size))) i++;
    return { field: `${path}.data[${i}]`, recorded: describeValue(a.data[i]), replayed: describeValue(b.data[i]) };
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return { field: path, recorded: describeValue(a), replayed: describeValue(b) };
    if (a.length !== b.length) return { field: `${path}.length`, recorded: String(a.length), replayed: String(b.length) };
    for (let i = 0; i < a.length; i++) {
      const d = diffValue(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = diffValue((a as Record<string, unknown>)[k] ?? null, (b as Record<string, unknown>)[k] ?? null, `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) ? null : { field: path, recorded: describeValue(a), replayed: describeValue(b) };
}
