import type { z } from 'zod';
import { FlightrecError } from '../errors/flightrec-error.js';

/** One problem with an event: where (dotted field path), what, and the value received there. */
export interface EventIssue {
  readonly path: string;
  readonly message: string;
  readonly received: string;
}

/** An event whose type is not in the registry. */
export class UnknownEventTypeError extends FlightrecError {
  constructor(type: unknown, known: readonly string[]) {
    super('UNKNOWN_EVENT_TYPE', `unknown event type ${JSON.stringify(type)}; known types: ${known.join(', ')}`, { type, known });
  }
}

/** An event that does not match its type's schema; `issues` names every field and the value received. */
export class EventValidationError extends FlightrecError {
  readonly issues: readonly EventIssue[];
  constructor(type: string, issues: EventIssue[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(
      'INVALID_EVENT',
      `invalid ${type} event: ${first ? `${first.path || '(root)'}: ${first.message}, received ${first.received}` : 'no details'}${more}`,
      { type, issues },
    );
    this.issues = issues;
  }
}

/** An event stored at a schema version newer than this flightrec knows. */
export class EventVersionError extends FlightrecError {
  constructor(type: string, v: number, current: number) {
    super('EVENT_VERSION_TOO_NEW', `${type} event has schema version ${v}, newer than this flightrec's ${current}; upgrade flightrec`, { type, v, current });
  }
}

/** Turns zod issues into EventIssues, looking the received value up in the input. */
export function issuesFrom(error: z.ZodError, input: unknown): EventIssue[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const value = i.code === 'unrecognized_keys' ? i.keys : valueAt(input, i.path);
    const fullPath = i.code === 'unrecognized_keys' ? [path, ...i.keys].filter(Boolean).join('.') : path;
    return { path: fullPath, message: i.message, received: describeValue(value) };
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A short, exact description of a value for error messages (NaN stays NaN, typed arrays say what they are). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined (missing)';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length?: number }).length ?? v.byteLength})`;
  if (Array.isArray(v)) return v.length > 8 ? `array(${v.length})` : `[${v.map(describeValue).join(', ')}]`;
  if (v === null || typeof v !== 'object') return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 80)}…` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}
