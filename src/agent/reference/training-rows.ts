import type { TrainingBatch } from './mlp-component.js';

/** Widths of the reference learner's rows: observation, action columns (one-hot ids or the continuous vector), actor target. */
export interface RowLayout {
  obs: number;
  actions: number;
  actorTarget: number;
}

/** One env step as the learner saw it, and as the log holds it (decision.started, actor.chose, env.stepped). */
export interface StepFacts {
  observation: Float32Array;
  action: number | Float32Array;
  reward: number;
  nextObservation: Float32Array;
  terminated: boolean;
  /** The planner's scores of its candidates at that decision. */
  scores: ArrayLike<number>;
}

/**
 * The recipe each learned role's minibatch is recorded by reference with. The version after `@`
 * changes whenever what a row holds or how a batch is cut from rows changes: a recorded batch is
 * derived again by the recipe it names, never by a newer one.
 */
export const BATCH_RECIPES = {
  world_model: 'reference/world_model@1',
  reward: 'reference/reward@1',
  critic: 'reference/critic@1',
  actor: 'reference/actor@1',
} as const;
export type LearnedRole = keyof typeof BATCH_RECIPES;

function argmax(q: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < q.length; i++) if (q[i]! > q[best]!) best = i;
  return best;
}

/** The transition row the world model and the reward learn from: s, onehot(a) or a, r, s', terminated. */
export function transitionRow(l: RowLayout, t: StepFacts): Float32Array {
  const { obs, actions } = l;
  const row = new Float32Array(obs * 2 + actions + 2);
  row.set(t.observation, 0);
  if (typeof t.action === 'number') row[obs + t.action] = 1;
  else row.set(t.action, obs);
  row[obs + actions] = t.reward;
  row.set(t.nextObservation, obs + actions + 1);
  row[obs * 2 + actions + 1] = t.terminated ? 1 : 0;
  return row;
}

/** The actor's row: s, then the planner's greedy action one-hot (discrete) or the action it executed (continuous). */
export function actorRow(l: RowLayout, t: StepFacts): Float32Array {
  const row = new Float32Array(l.obs + l.actorTarget);
  row.set(t.observation, 0);
  if (typeof t.action === 'number') row[l.obs + argmax(t.scores)] = 1;
  else row.set(t.action, l.obs);
  return row;
}

/** The critic's row: s, then its TD(λ) target. */
export function criticRow(l: RowLayout, state: Float32Array, target: number): Float32Array {
  const row = new Float32Array(l.obs + 1);
  row.set(state, 0);
  row[l.obs] = target;
  return row;
}

/** Columns [from, to) of each row, row-major. */
function columns(rows: readonly Float32Array[], from: number, to: number): Float32Array {
  const w = to - from;
  const out = new Float32Array(rows.length * w);
  rows.forEach((r, i) => out.set(r.subarray(from, to), i * w));
  return out;
}

/**
 * A role's minibatch from its rows in sample order: the one function the learner trains on and a
 * rebuild derives with, so the two cannot drift apart.
 * - world model: (s, a) → (s' − s, terminated)
 * - reward: (s, a) → r
 * - critic: s → its TD(λ) target
 * - actor: s → its target columns
 */
export function batchFromRows(role: LearnedRole, l: RowLayout, rows: readonly Float32Array[]): TrainingBatch {
  const { obs, actions } = l;
  const n = rows.length;
  switch (role) {
    case 'world_model': {
      const targets = new Float32Array(n * (obs + 1));
      rows.forEach((r, i) => {
        for (let j = 0; j < obs; j++) targets[i * (obs + 1) + j] = r[obs + actions + 1 + j]! - r[j]!;
        targets[i * (obs + 1) + obs] = r[obs * 2 + actions + 1]!;
      });
      return { rows: n, inputs: columns(rows, 0, obs + actions), targets };
    }
    case 'reward':
      return { rows: n, inputs: columns(rows, 0, obs + actions), targets: columns(rows, obs + actions, obs + actions + 1) };
    case 'critic':
      return { rows: n, inputs: columns(rows, 0, obs), targets: columns(rows, obs, obs + 1) };
    case 'actor':
      return { rows: n, inputs: columns(rows, 0, obs), targets: columns(rows, obs, obs + l.actorTarget) };
  }
}
