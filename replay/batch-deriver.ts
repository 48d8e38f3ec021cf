import { actorRow, BATCH_RECIPES, batchFromRows, criticRow, transitionRow, type LearnedRole, type RowLayout, type StepFacts } from '../src/agent/reference/training-rows.js';
import { derivedBatchHash } from '../src/events/derived-batch-hash.js';
import type { DerivedBatch } from '../src/events/families/learning-events.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { f32, type Tensor } from '../src/events/tensor.js';
import { decodeRow } from '../src/store/decode-row.js';
import type { EventStore } from '../src/store/event-store.js';
import { DerivedBatchError } from './replay-errors.js';

/** What a recipe reads: the decision's observation and scores, its env step, and computed targets. */
const SOURCE_TYPES = ['decision.started', 'actor.chose', 'env.stepped', 'component.targets'] as const;
const ROLE_OF_RECIPE = new Map<string, LearnedRole>(Object.entries(BATCH_RECIPES).map(([role, name]) => [name, role as LearnedRole]));
const PAGE = 2000;

const byStore = new WeakMap<EventStore, Map<number, BatchDeriver>>();

/**
 * Derives minibatches recorded by reference (component.updated v2, `batch.recipe`) from the run's
 * log, and checks each against its `derived_hash` before anyone trains on it. It reads the log
 * forward once, as far as the latest update asked for, keeping each env step's row facts by seq
 * (the learner's buffers could sample any of them again) and the targets of component.targets
 * events; a row is only ever taken from events before the update that names it.
 */
export class BatchDeriver {
  private readThrough = -1;
  private obsSize: number | null = null;
  /** Observation and scores of a decision whose env step has not been read yet. */
  private readonly pending = new Map<number, { observation?: Float32Array; scores?: ArrayLike<number> }>();
  private readonly steps = new Map<number, StepFacts>();
  /** component → env.stepped seq → target and the seq of the event that recorded it. */
  private readonly targets = new Map<string, Map<number, { value: number; seq: number }>>();

  private constructor(
    private readonly store: EventStore,
    private readonly runPk: number,
    private readonly runId: string,
  ) {}

  /** The run's deriver, shared by every component rebuilt from this store (each reads the log once). */
  static forRun(store: EventStore, runPk: number, runId: string): BatchDeriver {
    let runs = byStore.get(store);
    if (runs === undefined) byStore.set(store, (runs = new Map()));
    let d = runs.get(runPk);
    if (d === undefined) runs.set(runPk, (d = new BatchDeriver(store, runPk, runId)));
    return d;
  }

  /** The tensors of `e`'s by-reference batch, derived from the events before it; DerivedBatchError unless they hash to `derived_hash`. */
  tensors(e: RecordedEvent<'component.updated'>, batch: DerivedBatch): Record<string, Tensor> {
    const component = e.component ?? '';
    const fail = (problem: string, more: { expected?: string; actual?: string } = {}) =>
      new DerivedBatchError({ component, update: e.payload.update, seq: e.seq, recipe: batch.recipe, problem, ...more });
    const role = ROLE_OF_RECIPE.get(batch.recipe);
    if (role === undefined) throw fail(`the recipe is not one this flightrec knows (${[...ROLE_OF_RECIPE.keys()].join(', ')})`);
    const { inputs, targets } = batch.shapes;
    if (inputs?.length !== 2 || targets?.length !== 2 || Object.keys(batch.shapes).length !== 2) throw fail(`shapes ${JSON.stringify(batch.shapes)} are not inputs and targets of [rows, width]`);
    if (inputs[0] !== batch.events.length || targets[0] !== batch.events.length) throw fail(`shapes ${JSON.stringify(batch.shapes)} do not have one row per source event (${batch.events.length})`);
    this.readUpTo(e.seq - 1);
    if (this.obsSize === null) throw fail('no decision before the update recorded an observation');
    const layout = layoutOf(role, this.obsSize, inputs[1]!, targets[1]!);
    if (layout === null) throw fail(`shapes ${JSON.stringify(batch.shapes)} do not fit observations of ${this.obsSize}`);
    const rows = batch.events.map((seq) => {
      const step = seq < e.seq ? this.steps.get(seq) : undefined;
      if (step === undefined) throw fail(`source event ${seq} is not an env step recorded before the update`);
      if (role === 'world_model' || role === 'reward') return transitionRow(layout, step);
      if (role === 'actor') return actorRow(layout, step);
      const t = this.targets.get(component)?.get(seq);
      if (t === undefined || t.seq >= e.seq) throw fail(`no component.targets event of ${component} before the update holds a target for env step ${seq}`);
      return criticRow(layout, step.observation, t.value);
    });
    const b = batchFromRows(role, layout, rows);
    const tensors = { inputs: f32(b.inputs, [b.rows, inputs[1]!]), targets: f32(b.targets, [b.rows, targets[1]!]) };
    const actual = derivedBatchHash(tensors);
    if (actual !== batch.derived_hash) {
      throw fail(`the batch derived from its ${batch.events.length} source events hashes to ${actual}, the log recorded ${batch.derived_hash}: a source event differs from the one the update learned from`, { expected: batch.derived_hash, actual });
    }
    return tensors;
  }

  private readUpTo(seq: number): void {
    while (this.readThrough < seq) {
      const rows = this.store.eventsOfTypesSync(this.runPk, SOURCE_TYPES, this.readThrough + 1, seq, PAGE);
      for (const row of rows) this.take(decodeRow(row, this.runId, this.store));
      this.readThrough = rows.length < PAGE ? seq : rows[rows.length - 1]!.seq;
    }
  }

  private take(e: RecordedEvent): void {
    if (e.type === 'component.targets') {
      const of = this.targets.get(e.component ?? '') ?? new Map<number, { value: number; seq: number }>();
      this.targets.set(e.component ?? '', of);
      e.payload.events.forEach((q, i) => of.set(q, { value: e.payload.targets.data[i]!, seq: e.seq }));
      return;
    }
    if (e.decision === null) return;
    const p = this.pending.get(e.decision) ?? {};
    if (e.type === 'decision.started') {
      p.observation = e.payload.observation.data as Float32Array;
      this.obsSize ??= p.observation.length;
    } else if (e.type === 'actor.chose') p.scores = e.payload.scores.data;
    else if (e.type === 'env.stepped') {
      this.pending.delete(e.decision);
      if (p.observation === undefined) return;
      const a = e.payload.action;
      this.steps.set(e.seq, {
        observation: p.observation,
        action: typeof a === 'number' ? a : (a.data as Float32Array),
        reward: e.payload.reward,
        nextObservation: e.payload.observation.data as Float32Array,
        terminated: e.payload.terminated,
        scores: p.scores ?? [],
      });
      return;
    }
    this.pending.set(e.decision, p);
  }
}

/** Row widths from the recorded shapes: [rows, obs + actions] inputs of the transition recipes, targets of the actor. */
function layoutOf(role: LearnedRole, obs: number, inWidth: number, outWidth: number): RowLayout | null {
  switch (role) {
    case 'world_model':
      return inWidth > obs && outWidth === obs + 1 ? { obs, actions: inWidth - obs, actorTarget: 0 } : null;
    case 'reward':
      return inWidth > obs && outWidth === 1 ? { obs, actions: inWidth - obs, actorTarget: 0 } : null;
    case 'critic':
      return inWidth === obs && outWidth === 1 ? { obs, actions: 0, actorTarget: 0 } : null;
    case 'actor':
      return inWidth === obs && outWidth > 0 ? { obs, actions: 0, actorTarget: outWidth } : null;
  }
}
