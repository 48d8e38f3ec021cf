import { eventType, type PayloadOf, type RecordedEvent } from '../events/registry.js';
import type { Role } from '../events/event-type.js';
import type { Tensor, TensorData } from '../events/tensor.js';
import type { DecisionRecord } from '../store/decision-stream.js';
import { rowCount, rowKey, tensorRow, tensorRowKey } from './row-key.js';
import { PlanTree } from './plan-tree.js';

/** A world-model row for one (state, action): what it predicted. */
export interface Prediction {
  next: TensorData;
  nextKey: string;
  /** Probability that the transition ends the episode, null when the model does not predict it. */
  done: number | null;
}

/** The one-step action value Q(s,a) = r̂(s,a) + γ·(1 − done)·V(ŝ') and its parts. */
export interface OneStepValue {
  q: number;
  reward: number;
  done: number;
  value: number;
}

/**
 * One decision as audits read it, with lookups by content built lazily: rows are matched by
 * their values bit for bit, never by the position a particular planner happens to use, so the
 * audits work on any run that follows the event model.
 */
export class DecisionView {
  readonly id: number;
  readonly episode: number | null;
  readonly step: number | null;
  readonly observation: TensorData;
  readonly observationKey: string;
  readonly outcome: PayloadOf<'env.stepped'> | null;
  private criticRows: Map<string, number> | undefined;
  private root: { value: number; version: string | null } | null | undefined;
  private predictions: Map<string, Prediction> | undefined;
  private rewards: Map<string, { reward: number; nextKey: string | null }> | undefined;
  private tree: PlanTree | null | undefined;

  constructor(
    readonly record: DecisionRecord,
    private readonly roleNames: ReadonlyMap<Role, readonly string[]>,
    private readonly plannerGamma: number | null,
  ) {
    this.id = record.decision;
    this.episode = record.episode;
    this.step = record.step;
    this.observation = record.started.payload.observation.data;
    this.observationKey = rowKey(this.observation);
    this.outcome = record.outcome?.payload ?? null;
  }

  /**
   * The key the lookups below take for the action the environment received: the id for a
   * discrete action, the vector's content for a continuous one; null when none was recorded.
   */
  get actionKey(): string | null {
    const a = this.outcome?.action ?? this.record.chose?.payload.action ?? null;
    if (a === null) return null;
    return typeof a === 'number' ? String(a) : actionKeyOf(a.data);
  }

  /** The action the environment received, when it is discrete. */
  get action(): number | null {
    const a = this.outcome?.action ?? this.record.chose?.payload.action ?? null;
    return typeof a === 'number' ? a : null;
  }

  events<T extends RecordedEvent['type']>(type: T): RecordedEvent<T>[] {
    return this.record.events.filter((e) => e.type === type) as RecordedEvent<T>[];
  }

  /**
   * Version of the component in `role` at this decision: from decision.started's versions (the
   * component the run registered in that role), else from the first event of that role.
   */
  versionOf(role: Role): string | null {
    const versions = this.record.started.payload.versions;
    for (const name of this.roleNames.get(role) ?? []) {
      const v = versions[name];
      if (v !== undefined && v !== null) return v;
    }
    const e = this.record.events.find((x) => eventType(x.type).role === role);
    return e?.version ?? null;
  }

  /** V(s_t): the first critic row whose state is the observation, and the critic version that computed it. */
  rootValue(): { value: number; version: string | null } | null {
    if (this.root !== undefined) return this.root;
    this.root = null;
    for (const e of this.events('critic.evaluated')) {
      const n = rowCount(e.payload.states);
      for (let i = 0; i < n && i < e.payload.values.data.length; i++) {
        if (tensorRowKey(e.payload.states, i) === this.observationKey) {
          this.root = { value: e.payload.values.data[i]!, version: e.version };
          return this.root;
        }
      }
    }
    return this.root;
  }

  /** The critic's value at a state (by key), from any critic call of the decision. */
  valueAt(key: string): number | null {
    if (this.criticRows === undefined) {
      this.criticRows = new Map();
      for (const e of this.events('critic.evaluated')) {
        const n = Math.min(rowCount(e.payload.states), e.payload.values.data.length);
        for (let i = 0; i < n; i++) {
          const k = tensorRowKey(e.payload.states, i);
          if (!this.criticRows.has(k)) this.criticRows.set(k, e.payload.values.data[i]!);
        }
      }
    }
    return this.criticRows.get(key) ?? null;
  }

  /** What the world model predicted for (state, action), from any world_model.predicted row; a string action is an actionKeyOf key. */
  predicted(stateKey: string, action: number | string): Prediction | null {
    if (this.predictions === undefined) {
      this.predictions = new Map();
      for (const e of this.events('world_model.predicted')) {
        const p = e.payload;
        const n = rowCount(p.states);
        for (let i = 0; i < n; i++) {
          const k = `${tensorRowKey(p.states, i)}|${actionRowKey(p.actions, i)}`;
          if (this.predictions.has(k)) continue;
          this.predictions.set(k, { next: tensorRow(p.next_states, i), nextKey: tensorRowKey(p.next_states, i), done: p.done === null ? null : p.done.data[i]! });
        }
      }
    }
    return this.predictions.get(`${stateKey}|${action}`) ?? null;
  }

  /** The reward function's r̂(state, action) and the next state it was given, from any reward.evaluated row; a string action is an actionKeyOf key. */
  rewardOf(stateKey: string, action: number | string): { reward: number; nextKey: string | null } | null {
    if (this.rewards === undefined) {
      this.rewards = new Map();
      for (const e of this.events('reward.evaluated')) {
        const p = e.payload;
        const n = Math.min(rowCount(p.states), p.rewards.data.length);
        for (let i = 0; i < n; i++) {
          const k = `${tensorRowKey(p.states, i)}|${actionRowKey(p.actions, i)}`;
          if (!this.rewards.has(k)) this.rewards.set(k, { reward: p.rewards.data[i]!, nextKey: p.next_states === null ? null : tensorRowKey(p.next_states, i) });
        }
      }
    }
    return this.rewards.get(`${stateKey}|${action}`) ?? null;
  }

  /**
   * Q(s_t, a) one step ahead from what the decision recorded: r̂ from the reward row at
   * (observation, a), the next state from that row (or the world model's), done from the world
   * model (0 when it predicts none), V from the critic row at that next state. Null when any part
   * was not recorded.
   */
  oneStepQ(action: number, gamma: number): OneStepValue | null {
    const r = this.rewardOf(this.observationKey, action);
    if (r === null) return null;
    const wm = this.predicted(this.observationKey, action);
    const nextKey = r.nextKey ?? wm?.nextKey ?? null;
    if (nextKey === null) return null;
    const value = this.valueAt(nextKey);
    if (value === null) return null;
    const done = wm?.done ?? 0;
    return { q: r.reward + gamma * (1 - done) * value, reward: r.reward, done, value };
  }

  /** The first actions the decision considered (actor.chose candidates; the first column of plans). */
  candidates(): number[] | null {
    const c = this.record.chose?.payload.candidates;
    if (c === undefined) return null;
    return firstColumn(c);
  }

  /** The planner's search as a tree, or null when the decision recorded no planner.expanded. */
  planTree(): PlanTree | null {
    if (this.tree === undefined) {
      const levels = this.events('planner.expanded');
      this.tree = levels.length === 0 ? null : new PlanTree(levels.map((e) => e.payload), this, this.plannerGamma);
    }
    return this.tree;
  }
}

/** The lookup key of a continuous action vector (discrete actions are keyed by their id). */
export function actionKeyOf(vector: ArrayLike<number>): string {
  return `v:${rowKey(vector)}`;
}

/** Row i of a call's actions as a lookup key: int32 [N] ids as themselves, [N, A] vectors by content. */
function actionRowKey(actions: Tensor, i: number): string {
  return actions.shape.length > 1 ? `v:${tensorRowKey(actions, i)}` : String(actions.data[i]);
}

function firstColumn(t: Tensor): number[] {
  const n = rowCount(t);
  const w = t.shape.length <= 1 ? 1 : t.data.length / n;
  return Array.from({ length: n }, (_, i) => t.data[i * w]!);
}
