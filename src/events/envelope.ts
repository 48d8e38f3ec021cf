import { z } from 'zod';
import { ComponentName, Count, Version } from './common-schemas.js';
import type { EventTypeDefinition } from './event-type.js';

/** Envelope fields a writer may set; the store adds run, seq, v (when absent), t (when absent) and the chain hash. */
export const envelopeInputFields = {
  /** Unique id chosen by the writer; appending an id that is already stored is a no-op. Defaults to `<run>:<seq>`. */
  id: z.string().min(1).max(128).optional(),
  /** Wall-clock time in ms; defaults to Date.now() at emit. */
  t: z.int().nonnegative().optional(),
  episode: Count.nullable().optional(),
  step: Count.nullable().optional(),
  decision: Count.nullable().optional(),
  component: ComponentName.nullable().optional(),
  version: Version.nullable().optional(),
  /** seq of the causal parent event in the same run (the decision it belongs to, a planner node's parent). */
  parent: Count.nullable().optional(),
};

/** The input schema of one event type: strict envelope + that type's payload. */
export function inputSchemaOf<T extends string, P extends z.ZodType>(def: EventTypeDefinition<T, P>) {
  return z.strictObject({
    type: z.literal(def.type),
    v: z.literal(def.v).optional(),
    ...envelopeInputFields,
    payload: def.payload,
  });
}

/** Envelope of an event as stored: every field present, located in its run by seq and chained by hash. */
export interface StoredEnvelope {
  readonly run: string;
  readonly seq: number;
  readonly id: string;
  readonly v: number;
  readonly t: number;
  readonly episode: number | null;
  readonly step: number | null;
  readonly decision: number | null;
  readonly component: string | null;
  readonly version: string | null;
  readonly parent: number | null;
  /** sha256 (hex) over the previous event's hash and this event's canonical bytes. */
  readonly hash: string;
}

/** Default event id when the writer chose none: unique because seq is unique within a run. */
export function defaultEventId(run: string, seq: number): string {
  return `${run}:${seq}`;
}
