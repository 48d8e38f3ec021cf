import { z } from 'zod';

/** The five labelled roles of a model-based agent (docs/design.md, "What it is for"). */
export const Role = z.enum(['world_model', 'reward', 'critic', 'actor', 'planner']);
export type Role = z.infer<typeof Role>;

/**
 * How a diff measures the change of one output field between two runs' matched events:
 * `elementwise` |Δ| of every element; `first_element` |Δ| of element 0 of the decision's first such
 * event (the root value); `row_kl` KL(A‖B) of each row (a distribution); `argmax` whether the
 * largest element moved (first event only); `scalar` |Δ| of a number (first event only).
 */
export type DeltaMeasure = 'elementwise' | 'first_element' | 'row_kl' | 'argmax' | 'scalar';

/** One statistic a diff reports (`stat` is its path in the report, `<role>.<name>`), fed from `field`. */
export interface DeltaDeclaration {
  readonly stat: string;
  readonly field: string;
  readonly measure: DeltaMeasure;
}

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
  /**
   * For a component call: the payload fields that are its inputs, in call order. Replay answers an
   * unchanged component's call from the log when they match the recorded ones bit for bit.
   */
  readonly inputs: readonly string[];
  /** For a component call: the payload fields that are its outputs (show lists them as the call's result). */
  readonly outputs: readonly string[];
  /** The statistics a diff of two runs feeds from this event's outputs. */
  readonly deltas: readonly DeltaDeclaration[];
}

export function defineEventType<const T extends string, P extends z.ZodType>(def: {
  type: T;
  v?: number;
  payload: P;
  decisionScoped?: boolean;
  role?: Role | null;
  replayable?: boolean;
  inputs?: readonly string[];
  outputs?: readonly string[];
  deltas?: readonly DeltaDeclaration[];
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
    inputs: def.inputs ?? [],
    outputs: def.outputs ?? [],
    deltas: def.deltas ?? [],
  };
}
