import { isTensor, type Tensor } from '../events/tensor.js';
import { specialNumberName } from '../store/ndjson/ndjson-value.js';

const TENSOR_VALUES = 3;
const MAX_STRING = 24;

/** One line for a payload: `key=value` pairs, tensors as `float32[500,4] [0.1, NaN, -0, …]`, nested values abbreviated. */
export function summarizePayload(payload: unknown, maxChars = 160): string {
  const s =
    payload !== null && typeof payload === 'object' && !Array.isArray(payload) && !isTensor(payload)
      ? Object.entries(payload)
          .map(([k, v]) => `${k}=${summarizeValue(v, 0)}`)
          .join(' ')
      : summarizeValue(payload, 0);
  return s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s;
}

/** A number as people read it: 4 significant digits, integers whole, -0 and NaN visible. */
export function formatNumber(x: number): string {
  const special = specialNumberName(x);
  if (special !== null) return special;
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

function summarizeValue(v: unknown, depth: number): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v);
  if (v === null || typeof v !== 'object') return String(v);
  if (isTensor(v)) return summarizeTensor(v);
  if (Array.isArray(v)) {
    if (v.length <= 4 && v.every((x) => typeof x !== 'object' || x === null)) return `[${v.map((x) => summarizeValue(x, depth + 1)).join(',')}]`;
    return `array(${v.length})`;
  }
  const keys = Object.keys(v);
  if (depth > 0 || keys.length > 4) return `{${keys.length} keys}`;
  return `{${keys.map((k) => `${k}:${summarizeValue((v as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
}

function summarizeTensor(t: Tensor): string {
  const data = t.data as ArrayLike<number>;
  const shown = Array.from({ length: Math.min(TENSOR_VALUES, data.length) }, (_, i) => formatNumber(data[i]!));
  if (data.length > TENSOR_VALUES) shown.push('…');
  return `${t.dtype}[${t.shape.join(',')}] [${shown.join(', ')}]`;
}
