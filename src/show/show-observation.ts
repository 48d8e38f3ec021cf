import type { Environment } from '../envs/environment.js';
import { GRIDWORLD_LAYOUT, Gridworld } from '../envs/gridworld.js';
import type { TensorData } from '../events/tensor.js';

/** How `show` names what an environment's observations and actions mean; every method may answer null. */
export interface EnvironmentVocabulary {
  /** Names of the discrete actions, by index; null for continuous actions or an unknown env. */
  readonly actionNames: readonly string[] | null;
  /** A real observation in the env's terms (the grid cell, named values); null when nothing better than the vector. */
  describe(observation: TensorData): string | null;
  /** An imagined (model-predicted) state in the env's terms, e.g. the nearest grid cell; null when not meaningful. */
  describeImagined(state: TensorData): string | null;
}

const TILE_NAMES: Readonly<Record<string, string>> = { A: 'start', G: 'goal', S: 'sensor', '.': 'floor', '#': 'wall' };
const NAMED_VALUES_SHOWN = 8;

/**
 * The vocabulary of a run's environment, from the environment itself (`run.started`'s env id
 * built through the registry). Grid worlds are read as one-hot cells; other envs with named
 * observation elements as `name=value` pairs; an unknown env (null) names nothing.
 */
export function environmentVocabulary(env: Environment | null): EnvironmentVocabulary {
  if (env === null) return { actionNames: null, describe: () => null, describeImagined: () => null };
  const spec = env.actionSpec();
  const actionNames = spec.kind === 'discrete' ? spec.names : null;
  if (env instanceof Gridworld) {
    const cellName = (c: number) => {
      const r = Math.floor(c / env.cols);
      const tile = GRIDWORLD_LAYOUT[r]?.[c % env.cols] ?? '?';
      return `(${r},${c % env.cols}) '${tile}' ${TILE_NAMES[tile] ?? ''}`.trimEnd();
    };
    return {
      actionNames,
      describe: (o) => {
        const hot = oneHotIndex(o);
        return hot === null ? null : `cell ${cellName(hot)}`;
      },
      describeImagined: (s) => {
        const c = argmax(s);
        return c === null ? null : `≈${cellName(c)} p=${formatShort(s[c]!)}`;
      },
    };
  }
  const names = env.observationSpec().names;
  return {
    actionNames,
    describe: (o) => {
      if (names === undefined || names.length !== o.length) return null;
      const shown = Array.from({ length: Math.min(o.length, NAMED_VALUES_SHOWN) }, (_, i) => `${names[i]}=${formatShort(o[i]!)}`);
      return o.length > NAMED_VALUES_SHOWN ? `${shown.join(' ')} …` : shown.join(' ');
    },
    describeImagined: () => null,
  };
}

/** The index of the single 1 in an otherwise all-zero vector, else null. */
function oneHotIndex(v: TensorData): number | null {
  let hot: number | null = null;
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    if (v[i] !== 1 || hot !== null) return null;
    hot = i;
  }
  return hot;
}

function argmax(v: TensorData): number | null {
  let best: number | null = null;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!) && (best === null || v[i]! > v[best]!)) best = i;
  return best;
}

function formatShort(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(3)));
}
