import type { RecordedEvent } from '../events/registry.js';
import { isTensor } from '../events/tensor.js';
import { specialNumberName } from '../store/ndjson/ndjson-value.js';

/**
 * A payload value for people reading JSON (`--json` output): tensors as `{dtype, shape, data: [...]}`
 * and numbers JSON cannot hold as the strings "NaN", "Infinity", "-Infinity", "-0" (JSON.stringify
 * would turn them into null, hiding exactly the diverging values this tool is for). Not a format to
 * re-import: `flightrec export` writes the bit-exact one.
 */
export function toJsonView(v: unknown): unknown {
  if (typeof v === 'number') return specialNumberName(v) ?? v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJsonView);
  if (isTensor(v)) return { dtype: v.dtype, shape: v.shape, data: Array.from(v.data as ArrayLike<number>, (x) => specialNumberName(x) ?? x) };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toJsonView(x);
  return out;
}

/** An event as one JSON object: the envelope, then the payload through toJsonView. */
export function eventToJson(e: RecordedEvent): unknown {
  const { payload, ...envelope } = e;
  return { ...envelope, payload: toJsonView(payload) };
}
