import { specialNumberName } from '../store/ndjson/ndjson-value.js';

/** A number as people read it: 4 significant digits, integers whole, NaN, ±Infinity and -0 visible. */
export function formatValue(x: number): string {
  const special = specialNumberName(x);
  if (special !== null) return special;
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** The first `n` values of a vector, then `…` with how many more. */
export function formatValues(values: ArrayLike<number>, n = 4): string {
  const shown = Array.from({ length: Math.min(n, values.length) }, (_, i) => formatValue(values[i]!));
  return values.length > n ? `${shown.join(' ')} … (+${values.length - n})` : shown.join(' ');
}
