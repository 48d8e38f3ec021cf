import { z } from 'zod';

/** The five labelled roles of a model-based agent (DESIGN.md, "Why the components are labelled"). */
export const Role = z.enum(['world_model', 'reward', 'critic', 'actor', 'planner']);
export type Role = z.infer<typeof Role>;

/**
 * What engines need to know about an event type, declared by its family so that shared code
 * (store, replay, diff, audits) never switches on a list of type names.
 */
export interface EventTypeDefinition<T extends string = string, P extends z.ZodType = z.ZodType> {
  /** Dotted type name, `<family>.<what happened>` (annotation is its own family). */
  readonly type: T;
  /** Current schema version; events written at older versions are upcast on read. */
  readonly v: number;
  readonly family: string;
  /** Payload schema of the current version. */
  readonly payload: P;
  /** Payload schemas of older versions, by version, for validating imports of old events. */
  readonly previous: Readonly<Record<number, z.ZodType>>;
  /** upcasters[n] turns a version-n payload into a version-(n+1) payload. */
  readonly upcasters: Readonly<Record<number, (payload: unknown) => unknown>>;
  /** True when the event is part of one deliberation and carries its decision id. */
  readonly decisionScoped: boolean;
  /** The role whose call the event records, when it records a component call. */
  readonly role: Role | null;
  /** True when a replay re-derives the event (so reproduction compares it). */
  readonly replayable: boolean;
}

export function defineEventType<const T extends string, P extends z.ZodType>(def: {
  type: T;
  v?: number;
  payload: P;
  decisionScoped?: boolean;
  role?: Role | null;
  replayable?: boolean;
  previous?: Record<number, z.ZodType>;
  upcasters?: Record<number, (payload: unknown) => unknown>;
}): EventTypeDefinition<T, P> {
  return {
    type: def.type,
    v: def.v ?? 1,
    family: def.type.split('.')[0]!,
    payload: def.payload,
    previous: def.previous ?? {},
    upcasters: def.upcasters ?? {},
    decisionScoped: def.decisionScoped ?? false,
    role: def.role ?? null,
    replayable: def.replayable ?? false,
  };
}
