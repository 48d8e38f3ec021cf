import { isTensor, type Tensor } from '../events/tensor.js';
import { specialNumberName } from '../store/ndjson/ndjson-value.js';
import { ravel } from './value-difference.js';

const MAX_TEXT = 60;

/** A number as people read it: 4 significant digits, integers whole, NaN / ±Infinity / -0 by name. */
export function formatNumber(x: number): string {
  const special = specialNumberName(x);
  if (special !== null) return special;
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/**
 * A short text for one side of a difference: a tensor as `float32[16,25]` and, when `index` is
 * given, the element there (`float32[4] [2]=0.1486`); scalars as themselves; anything else as
 * abbreviated JSON.
 */
export function renderValue(v: unknown, index: readonly number[] | null = null): string {
  if (v === undefined) return '(absent)';
  if (isTensor(v)) {
    const head = `${v.dtype}[${v.shape.join(',')}]`;
    return index === null ? head : `${head} [${index.join(',')}]=${formatNumber(element(v, index))}`;
  }
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v);
  const s = JSON.stringify(jsonValue(v));
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

/**
 * One side of a difference as JSON: a tensor as `{dtype, shape, index, value}` (the element at the
 * first differing index, or null when the shapes differ); numbers JSON cannot hold as the strings
 * "NaN", "Infinity", "-Infinity", "-0"; large arrays and objects abbreviated.
 */
export function jsonValue(v: unknown, index: readonly number[] | null = null): unknown {
  if (v === undefined) return null;
  if (typeof v === 'number') return specialNumberName(v) ?? v;
  if (v === null || typeof v !== 'object') return v;
  if (isTensor(v)) return { dtype: v.dtype, shape: v.shape, index, value: index === null ? null : jsonValue(element(v, index)) };
  if (Array.isArray(v)) return v.length > 16 ? `array(${v.length})` : v.map((x) => jsonValue(x));
  const keys = Object.keys(v);
  if (keys.length > 16) return `object(${keys.length} keys)`;
  return Object.fromEntries(keys.map((k) => [k, jsonValue((v as Record<string, unknown>)[k])]));
}

/** An action for a report: the id, or a continuous action's elements (up to 16), which a flip is about. */
export function actionValueJson(v: unknown): unknown {
  if (isTensor(v) && v.data.length <= 16) return Array.from(v.data as ArrayLike<number>, (x) => jsonValue(x));
  return jsonValue(v);
}

function element(t: Tensor, index: readonly number[]): number {
  return (t.data as ArrayLike<number>)[ravel(index, t.shape)]!;
}
