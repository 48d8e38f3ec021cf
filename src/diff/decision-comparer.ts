import { actionsDiffer, type AnyAction } from '../events/action-change.js';
import type { DecodeOptions } from '../events/payload-codec.js';
import { eventType, upcastPayload } from '../events/registry.js';
import { ComponentDeltas } from './component-deltas.js';
import type { DecisionUnit } from './diff-unit.js';
import { DecodedFields, RawFields, type EventFields } from './event-fields.js';
import { PayloadView } from './payload-view.js';
import { samePayload, type RawEvent } from '../store/raw-event.js';
import { jsonValue, renderValue } from './render-value.js';
import { firstDifference, type ValueDifference } from './value-difference.js';

/**
 * Where in a decision the runs differ. `input`: what the decision saw (observation, rng state, env
 * state); `deliberation`: the same input, a different component output or choice; `outcome`: the
 * same decision, a different env.stepped (an environment that is not deterministic).
 */
export type DivergenceKind = 'input' | 'deliberation' | 'outcome';

/** The first difference inside one pair of aligned decisions. */
export interface EventDivergence {
  readonly kind: DivergenceKind;
  readonly event_type: string;
  /** Which event of that type in the decision (0 = the first). */
  readonly occurrence: number;
  /** Payload field, dotted below it for nested values (`versions.critic`), or `(event)` when one run has no such event. */
  readonly field: string;
  readonly seq_a: number | null;
  readonly seq_b: number | null;
  /** Both sides as JSON (tensors as dtype, shape, first differing index and the element there). */
  readonly value_a: unknown;
  readonly value_b: unknown;
  /** Both sides as short text. */
  readonly text_a: string;
  readonly text_b: string;
}

/** One version that differs between the runs' decision.started. */
export interface VersionDifference {
  readonly component: string;
  readonly a: string | null;
  readonly b: string | null;
}

/** What comparing one pair of decisions found. */
export interface DecisionPairResult {
  /** The decisions saw different observations: not aligned, nothing else compared. */
  readonly observationDiffers: boolean;
  /** Any payload field or event count differs (versions aside; they are reported on their own). */
  readonly differs: boolean;
  /** The first difference, in A's event order with the decision's inputs first; only when asked for. */
  readonly first: EventDivergence | null;
  /** Event types with at least one differing event. */
  readonly differingTypes: readonly string[];
  /** Chosen actions (actor.chose, else env.stepped) when they differ. */
  readonly flip: { readonly a: unknown; readonly b: unknown } | null;
  readonly versions: readonly VersionDifference[];
}

/** Fields of decision.started, besides the observation, that are the decision's input. */
const INPUT_FIELDS = ['rng_state', 'env_state'];
const MISSING = '(event)';

/**
 * Compares aligned decisions event by event: the k-th event of a type in A's decision with the
 * k-th of that type in B's, field by field, bit-exact. Payload bytes are compared first; only
 * fields whose bytes differ are decoded. Envelope fields that always differ between runs (t, seq,
 * id, hash, run, parent) are not compared, nor are decision ids (decisions are aligned by
 * episode and step); component versions are reported separately.
 */
export class DecisionComparer {
  readonly deltas = new ComponentDeltas();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly decodeA: DecodeOptions,
    private readonly decodeB: DecodeOptions,
  ) {}

  compare(a: DecisionUnit, b: DecisionUnit, wantFirst: boolean): DecisionPairResult {
    const sa = a.events[0]!;
    const sb = b.events[0]!;
    const [fa, fb] = this.fields(sa, sb);
    const obs = fieldDifference('observation', fa, fb);
    if (obs !== null) {
      return { observationDiffers: true, differs: true, first: wantFirst ? divergence('input', sa, sb, 0, 'observation', obs) : null, differingTypes: [], flip: null, versions: [] };
    }
    this.deltas.beginDecision();
    let first: EventDivergence | null = null;
    const differing = new Set<string>();
    const note = (kind: DivergenceKind, ea: RawEvent | null, eb: RawEvent | null, k: number, field: string, d: ValueDifference | null): void => {
      differing.add((ea ?? eb)!.type);
      if (wantFirst && first === null) first = divergence(kind, ea, eb, k, field, d);
    };
    for (const key of INPUT_FIELDS) {
      const d = fieldDifference(key, fa, fb);
      if (d !== null) note('input', sa, sb, 0, key, d);
    }
    const versions = versionDifferences(fa, fb);

    const identical = a.events.length === b.events.length && a.events.every((e, i) => sameEvent(e, b.events[i]!));
    this.counts.clear();
    if (identical) {
      for (let i = 1; i < a.events.length; i++) {
        const e = a.events[i]!;
        const k = this.occurrence(e.type);
        if (!this.observed(e.type)) continue;
        const f = e.v === currentVersion(e.type) ? new RawFields(viewOf(e), this.decodeA) : decoded(e, this.decodeA);
        this.deltas.observe(e.type, k, f, f, true);
      }
    } else {
      const byType = new Map<string, RawEvent[]>();
      for (let i = 1; i < b.events.length; i++) {
        const e = b.events[i]!;
        let list = byType.get(e.type);
        if (list === undefined) byType.set(e.type, (list = []));
        list.push(e);
      }
      for (let i = 1; i < a.events.length; i++) {
        const ea = a.events[i]!;
        const k = this.occurrence(ea.type);
        const eb = byType.get(ea.type)?.[k];
        const kind = kindOf(ea.type);
        if (eb === undefined) {
          // An outcome only one run has is not a difference in the decision: open-loop replays re-decide without stepping.
          if (kind !== 'outcome') note(kind, ea, null, k, MISSING, null);
          continue;
        }
        const same = sameEvent(ea, eb);
        const [x, y] = this.fields(ea, eb);
        if (!same) {
          const d = payloadDifference(x, y);
          if (d !== null) note(kind, ea, eb, k, d.field, d.diff);
        }
        if (this.observed(ea.type)) this.deltas.observe(ea.type, k, x, y, same);
      }
      for (const [type, list] of byType) {
        const inA = this.counts.get(type) ?? 0;
        if (kindOf(type) !== 'outcome') for (let k = inA; k < list.length; k++) note(kindOf(type), null, list[k]!, k, MISSING, null);
      }
    }
    return { observationDiffers: false, differs: differing.size > 0, first, differingTypes: [...differing], flip: identical ? null : flipOf(a, b, this.decodeA, this.decodeB), versions };
  }

  private occurrence(type: string): number {
    const k = this.counts.get(type) ?? 0;
    this.counts.set(type, k + 1);
    return k;
  }

  private observed(type: string): boolean {
    return ComponentDeltas.observes(type);
  }

  /** Fields of a matched pair: raw when both are stored at the type's current schema version, else decoded and upcast. */
  private fields(a: RawEvent, b: RawEvent): [EventFields, EventFields] {
    const current = currentVersion(a.type);
    if (a.v === current && b.v === current) return [new RawFields(viewOf(a), this.decodeA), new RawFields(viewOf(b), this.decodeB)];
    return [decoded(a, this.decodeA), decoded(b, this.decodeB)];
  }
}


const versionCache = new Map<string, number>();
function currentVersion(type: string): number {
  let v = versionCache.get(type);
  if (v === undefined) versionCache.set(type, (v = eventType(type).v));
  return v;
}

function viewOf(e: RawEvent): PayloadView {
  return new PayloadView(e.page, e.start, e.end);
}

function decoded(e: RawEvent, options: DecodeOptions): DecodedFields {
  return new DecodedFields(upcastPayload(e.type, e.v, viewOf(e).decode(options)) as Record<string, unknown>);
}

function sameEvent(a: RawEvent, b: RawEvent): boolean {
  return a.type === b.type && a.v === b.v && samePayload(a, b);
}

/** decision.started carries the decision's input; events of a component's role its deliberation; env.stepped its outcome. */
function kindOf(type: string): DivergenceKind {
  if (type === 'decision.started') return 'input';
  return eventType(type).role === null ? 'outcome' : 'deliberation';
}

/** The first difference of one field, or null when equal (bytes first, decoded values when the bytes differ). */
function fieldDifference(key: string, a: EventFields, b: EventFields): ValueDifference | null {
  if (a.sameField(key, b)) return null;
  const d = firstDifference(a.value(key), b.value(key));
  return d === null ? null : { ...d, path: d.path === '' ? key : `${key}${d.path.startsWith('[') ? '' : '.'}${d.path}` };
}

/** The first differing field of two payloads, in key order. */
function payloadDifference(a: EventFields, b: EventFields): { field: string; diff: ValueDifference } | null {
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const d = fieldDifference(key, a, b);
    if (d !== null) return { field: d.path, diff: d };
  }
  return null;
}

function versionDifferences(a: EventFields, b: EventFields): VersionDifference[] {
  if (a.sameField('versions', b)) return [];
  const va = (a.value('versions') ?? {}) as Record<string, string | null>;
  const vb = (b.value('versions') ?? {}) as Record<string, string | null>;
  const out: VersionDifference[] = [];
  for (const c of [...new Set([...Object.keys(va), ...Object.keys(vb)])].sort()) {
    if (va[c] !== vb[c]) out.push({ component: c, a: va[c] ?? null, b: vb[c] ?? null });
  }
  return out;
}

/** The chosen actions when they differ: the first actor.chose of each decision, else its env.stepped. */
function flipOf(a: DecisionUnit, b: DecisionUnit, da: DecodeOptions, db: DecodeOptions): { a: unknown; b: unknown } | null {
  for (const type of ['actor.chose', 'env.stepped']) {
    const ea = a.events.find((e) => e.type === type);
    const eb = b.events.find((e) => e.type === type);
    if (ea === undefined || eb === undefined) continue;
    const x = new RawFields(viewOf(ea), da);
    const y = new RawFields(viewOf(eb), db);
    if (x.sameField('action', y)) return null;
    const va = x.value('action');
    const vb = y.value('action');
    // Continuous actions flip only past ACTION_TOLERANCE; ids and anything undecodable by any difference.
    if (isAction(va) && isAction(vb)) return actionsDiffer(va, vb) ? { a: va, b: vb } : null;
    return firstDifference(va, vb) === null ? null : { a: va, b: vb };
  }
  return null;
}

function divergence(kind: DivergenceKind, ea: RawEvent | null, eb: RawEvent | null, k: number, field: string, d: ValueDifference | null): EventDivergence {
  if (d === null) {
    return { kind, event_type: (ea ?? eb)!.type, occurrence: k, field, seq_a: ea?.seq ?? null, seq_b: eb?.seq ?? null, value_a: ea ? 'present' : 'absent', value_b: eb ? 'present' : 'absent', text_a: ea ? 'present' : 'absent', text_b: eb ? 'present' : 'absent' };
  }
  return {
    kind,
    event_type: (ea ?? eb)!.type,
    occurrence: k,
    field,
    seq_a: ea?.seq ?? null,
    seq_b: eb?.seq ?? null,
    value_a: jsonValue(d.a, d.index),
    value_b: jsonValue(d.b, d.index),
    text_a: renderValue(d.a, d.index),
    text_b: renderValue(d.b, d.index),
  };
}

function isAction(v: unknown): v is AnyAction {
  return typeof v === 'number' || (typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v && ArrayBuffer.isView((v as { data: unknown }).data));
}
