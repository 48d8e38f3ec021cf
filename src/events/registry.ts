import { z } from 'zod';
import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';
import { thrownMessage } from '../errors/thrown-message.js';
import { Role, type EventTypeDefinition } from './event-type.js';
import { describeValue, EventValidationError, EventVersionError, issuesFrom, UnknownEventTypeError } from './event-errors.js';
import { isTensor } from './tensor.js';
import { inputSchemaOf, type StoredEnvelope } from './envelope.js';
import { compileFastCheck, type FastCheck } from './fast-validator.js';
import { Annotation } from './families/annotation-events.js';
import {
  ActorChose,
  ActorProposed,
  CriticEvaluated,
  DecisionStarted,
  PlannerExpanded,
  RewardEvaluated,
  WorldModelPredicted,
} from './families/decision-events.js';
import { EnvStepped } from './families/environment-events.js';
import { EpisodeEnded, EpisodeStarted } from './families/episode-events.js';
import { CheckpointSaved, ComponentTargets, ComponentUpdated } from './families/learning-events.js';
import { PlannerIterated, PlannerSearched } from './families/planner-events.js';
import { RunEnded, RunStarted } from './families/run-events.js';

/** Every event type flightrec knows, one registry. */
export const EVENT_TYPES = [
  RunStarted,
  RunEnded,
  EpisodeStarted,
  EpisodeEnded,
  DecisionStarted,
  PlannerExpanded,
  PlannerIterated,
  PlannerSearched,
  WorldModelPredicted,
  RewardEvaluated,
  CriticEvaluated,
  ActorProposed,
  ActorChose,
  EnvStepped,
  ComponentUpdated,
  ComponentTargets,
  CheckpointSaved,
  Annotation,
] as const;

type Defs = (typeof EVENT_TYPES)[number];
export type EventType = Defs['type'];

// Listed one by one (not mapped) so that TypeScript infers the discriminated union exactly.
const inputSchemas = [
  inputSchemaOf(RunStarted),
  inputSchemaOf(RunEnded),
  inputSchemaOf(EpisodeStarted),
  inputSchemaOf(EpisodeEnded),
  inputSchemaOf(DecisionStarted),
  inputSchemaOf(PlannerExpanded),
  inputSchemaOf(PlannerIterated),
  inputSchemaOf(PlannerSearched),
  inputSchemaOf(WorldModelPredicted),
  inputSchemaOf(RewardEvaluated),
  inputSchemaOf(CriticEvaluated),
  inputSchemaOf(ActorProposed),
  inputSchemaOf(ActorChose),
  inputSchemaOf(EnvStepped),
  inputSchemaOf(ComponentUpdated),
  inputSchemaOf(ComponentTargets),
  inputSchemaOf(CheckpointSaved),
  inputSchemaOf(Annotation),
] as const;

/** Schema of any event a writer emits (discriminated on `type`). */
export const EventInput = z.discriminatedUnion('type', inputSchemas);
export type EventInput = z.infer<typeof EventInput>;

/** The input of one event type, e.g. `EventInputOf<'critic.evaluated'>`. */
export type EventInputOf<T extends EventType> = Extract<EventInput, { type: T }>;
/** The payload of one event type. */
export type PayloadOf<T extends EventType> = EventInputOf<T>['payload'];

/** An event as read back: its type's current payload (upcast if stored at an older version) and the full envelope. */
export type RecordedEvent<T extends EventType = EventType> = T extends EventType
  ? StoredEnvelope & { readonly type: T; readonly payload: PayloadOf<T> }
  : never;

// Built-in types first, then the families a user registers in this process (registerEventTypes).
const byType = new Map<string, EventTypeDefinition>(EVENT_TYPES.map((d) => [d.type, d as EventTypeDefinition]));
const schemaByType = new Map<string, z.ZodType>(EVENT_TYPES.map((d, i) => [d.type, inputSchemas[i] as z.ZodType]));
const typeNames: string[] = EVENT_TYPES.map((d) => d.type);
/** Fast validators compiled from the input schemas, on first use of each type (see fast-validator.ts). */
const fastByType = new Map<string, FastCheck>();
const BUILT_IN_FAMILIES = new Set(EVENT_TYPES.map((d) => d.family));
const TYPE_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** Every event type this process knows: the built-in ones, then the registered ones, in registration order. */
export function knownEventTypes(): readonly EventTypeDefinition[] {
  return [...byType.values()];
}

/** True for the types flightrec itself defines (false for registered and unknown ones). */
export function isBuiltInEventType(type: string): boolean {
  return BUILT_IN_FAMILIES.has(type.split('.')[0]!) && byType.has(type);
}

/** Every known type whose family declares it part of a deliberation (it carries a decision id). */
export function decisionEventTypes(): string[] {
  return knownEventTypes().filter((d) => d.decisionScoped).map((d) => d.type);
}

/**
 * Registers event families of the user's own (planner internals flightrec does not know), made
 * with `defineEventType`. From then on this process validates, stores, reads, exports and imports
 * them like built-in events, and shared code reads their flags (decisionScoped, role,
 * replayable, inputs, outputs) as it reads the built-in ones'. A name must be `<family>.<what>`
 * in a family of its own: built-in families are not extended, and a name registered with another
 * definition is refused. Registering the same definition again does nothing. Nothing is
 * registered unless every definition passes.
 */
export function registerEventTypes(defs: readonly EventTypeDefinition[]): void {
  let fresh: EventTypeDefinition[];
  try {
    if (!Array.isArray(defs)) throw new InvalidInputError(`event types ${describeValue(defs)} are not an array of definitions (made with defineEventType)`, { field: 'eventTypes', value: describeValue(defs) });
    fresh = defs.filter((d, i) => byType.get(d?.type) !== d && defs.indexOf(d) === i);
    for (const d of fresh) checkUserType(d, fresh);
  } catch (e) {
    // A definition is a user's value: a getter that throws or a Proxy is refused, not a crash.
    if (e instanceof FlightrecError) throw e;
    throw new InvalidInputError(`an event type definition could not be read: ${thrownMessage(e)}`, { field: 'eventTypes', value: thrownMessage(e) });
  }
  for (const d of fresh) {
    byType.set(d.type, d);
    schemaByType.set(d.type, inputSchemaOf(d) as z.ZodType);
    fastByType.delete(d.type);
    typeNames.push(d.type);
  }
}

const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isRecord = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
const MEASURES = new Set(['elementwise', 'first_element', 'row_kl', 'argmax', 'scalar']);

/**
 * Every field the engines read is checked here, once, because a module may export a hand-made
 * object instead of one made with defineEventType: a junk flag would otherwise crash a replay or
 * a diff long after registration.
 */
function checkUserType(d: EventTypeDefinition, batch: readonly EventTypeDefinition[]): void {
  const refuse = (field: string, value: unknown, why: string) => {
    throw new InvalidInputError(`event type ${describeValue(d?.type)}: ${field} ${describeValue(value)} ${why}`, { field, value: describeValue(value) });
  };
  if (d === null || typeof d !== 'object') refuse('definition', d, 'is not an event type definition (make one with defineEventType)');
  if (typeof d.type !== 'string' || !TYPE_NAME.test(d.type)) refuse('type', d.type, 'is not a type name: lower-case `<family>.<what>`, letters, digits and _');
  if (d.family !== d.type.split('.')[0]) refuse('family', d.family, `is not the type's first part (${d.type.split('.')[0]}); make the definition with defineEventType`);
  if (BUILT_IN_FAMILIES.has(d.family)) refuse('type', d.type, `is in the built-in family "${d.family}"; a registered family has a name of its own`);
  if (byType.has(d.type)) refuse('type', d.type, 'is already registered with another definition');
  if (batch.some((o) => o !== d && o.type === d.type)) refuse('type', d.type, 'is defined twice in one registration');
  if (!(d.payload instanceof z.ZodType)) refuse('payload', typeof d.payload, 'is not a zod schema');
  if (!Number.isInteger(d.v) || d.v < 1) refuse('v', d.v, 'is not a schema version (an integer, 1 or more)');
  for (const flag of ['decisionScoped', 'replayable'] as const) if (typeof d[flag] !== 'boolean') refuse(flag, d[flag], 'is not a boolean');
  if (d.role !== null && !Role.safeParse(d.role).success) refuse('role', d.role, `is not a role (${Role.options.join(', ')}) or null`);
  for (const list of ['inputs', 'outputs'] as const) if (!isStringList(d[list])) refuse(list, d[list], 'is not an array of payload field names');
  if (!Array.isArray(d.deltas) || !d.deltas.every((x) => isRecord(x) && typeof x.stat === 'string' && typeof x.field === 'string' && MEASURES.has(x.measure))) {
    refuse('deltas', d.deltas, `is not an array of { stat, field, measure } (measure one of ${[...MEASURES].join(', ')})`);
  }
  if (!isRecord(d.previous) || !Object.values(d.previous).every((x) => x instanceof z.ZodType)) refuse('previous', d.previous, 'is not a record of zod schemas by version');
  if (!isRecord(d.upcasters) || !Object.values(d.upcasters).every((x) => typeof x === 'function')) refuse('upcasters', d.upcasters, 'is not a record of functions by version');
}

/** The definition of a type; throws UnknownEventTypeError (code UNKNOWN_EVENT_TYPE). */
export function eventType(type: unknown): EventTypeDefinition {
  const def = typeof type === 'string' ? byType.get(type) : undefined;
  if (def === undefined) throw new UnknownEventTypeError(type, typeNames);
  return def;
}

export function isKnownEventType(type: unknown): type is EventType {
  return typeof type === 'string' && byType.has(type);
}

export type ParseResult = { success: true; data: EventInput } | { success: false; error: UnknownEventTypeError | EventValidationError };

/** Deepest nesting the payload codec stores; deeper payloads are refused before zod recurses into them (and overflows the stack). */
const MAX_PAYLOAD_DEPTH = 64;

/** Path to the first value nested deeper than the payload codec allows (a tensor counts as one value), or null. */
function tooDeep(v: unknown, depth: number): string[] | null {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || isTensor(v)) return null;
  for (const [k, x] of Object.entries(v)) {
    if (depth + 1 > MAX_PAYLOAD_DEPTH) return [k];
    const p = tooDeep(x, depth + 1);
    if (p !== null) return [k, ...p];
  }
  return null;
}

/** Validates a writer's event without throwing. Unknown keys anywhere are errors, not stripped. */
export function safeParseEventInput(input: unknown): ParseResult {
  const type = input !== null && typeof input === 'object' ? (input as { type?: unknown }).type : undefined;
  const schema = typeof type === 'string' ? schemaByType.get(type) : undefined;
  if (schema === undefined) return { success: false, error: new UnknownEventTypeError(type, typeNames) };
  let fast = fastByType.get(type as string);
  if (fast === undefined) fastByType.set(type as string, (fast = compileFastCheck(schema)));
  // Shown valid by the compiled check: zod would return an equal value, so the input is the data.
  if (fast(input)) return { success: true, data: input as EventInput };
  const deep = tooDeep((input as { payload?: unknown }).payload, 0);
  if (deep !== null) {
    return { success: false, error: new EventValidationError(type as string, [{ path: ['payload', ...deep].join('.'), message: `payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`, received: 'a deeper value' }]) };
  }
  const r = schema.safeParse(input);
  if (r.success) return { success: true, data: r.data as EventInput };
  return { success: false, error: new EventValidationError(type as string, issuesFrom(r.error, input)) };
}

/** Validates a writer's event; throws UnknownEventTypeError or EventValidationError. */
export function parseEventInput(input: unknown): EventInput {
  const r = safeParseEventInput(input);
  if (!r.success) throw r.error;
  return r.data;
}

/** Validates a stored payload against its type's schema at version `v` (imports of old events). */
export function validatePayload(type: string, v: number, payload: unknown): void {
  const def = eventType(type);
  if (v > def.v) throw new EventVersionError(type, v, def.v);
  const schema = v === def.v ? def.payload : def.previous[v];
  if (schema === undefined) throw new EventVersionError(type, v, def.v);
  const r = schema.safeParse(payload);
  if (!r.success) throw new EventValidationError(type, issuesFrom(r.error, payload).map((i) => ({ ...i, path: i.path ? `payload.${i.path}` : 'payload' })));
}

/** Brings a payload stored at version `v` up to the type's current version; stored bytes are never rewritten. */
export function upcastPayload(type: string, v: number, payload: unknown): unknown {
  const def = eventType(type);
  if (v > def.v) throw new EventVersionError(type, v, def.v);
  let p = payload;
  for (let from = v; from < def.v; from++) {
    const up = def.upcasters[from];
    if (up === undefined) throw new EventVersionError(type, v, def.v);
    p = up(p);
  }
  return p;
}
