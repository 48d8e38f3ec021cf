import { describeValue } from '../events/event-errors.js';
import { safeParseEventInput, type EventInput } from '../events/registry.js';
import { fromNdjsonValue, NdjsonValueError } from '../store/ndjson/ndjson-value.js';
import { HttpError } from './http-error.js';

/**
 * A refused batch: which line (1-based), which field, what was received. Nothing of the batch is
 * stored; the client fixes the line and sends the batch again.
 */
export function invalidLine(line: number, field: string, problem: string, received: string): HttpError {
  return new HttpError(400, 'INVALID_BATCH', `line ${line}: ${field}: ${problem}, received ${received}; nothing of this batch was stored`, { line, field, received });
}

/**
 * One line of an ingest batch: an event as a writer emits it (type, envelope fields, payload), its
 * payload in flightrec's NDJSON value encoding (tensors as `{"$tensor":{dtype,shape,b64}}` of raw
 * little-endian bytes; NaN, ±Infinity and -0 as `{"$num":…}`). Validated exactly as
 * RecordingRun.append validates an event. Throws HttpError 400 naming line, field and value.
 */
export function parseIngestLine(text: string, line: number): EventInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalidLine(line, '(line)', `invalid JSON (${(e as Error).message})`, describeValue(text));
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidLine(line, '(line)', 'expected a JSON object (one event)', describeValue(raw));
  const o = raw as Record<string, unknown>;
  let payload: unknown;
  try {
    payload = fromNdjsonValue(o.payload, 'payload');
  } catch (e) {
    if (e instanceof NdjsonValueError) throw invalidLine(line, e.path, e.problem, e.received);
    throw e;
  }
  const r = safeParseEventInput({ ...o, payload });
  if (r.success) return r.data;
  const err = r.error;
  if (err.code === 'UNKNOWN_EVENT_TYPE') throw invalidLine(line, 'type', err.message, describeValue(o.type));
  const first = 'issues' in err ? err.issues[0] : undefined;
  throw invalidLine(line, first?.path || '(line)', first?.message ?? err.message, first?.received ?? describeValue(raw));
}
