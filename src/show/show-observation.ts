import type { Environment } from '../envs/environment.js';
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

const NAMED_VALUES_SHOWN = 8;

/**
 * The vocabulary of a run's environment, from the environment itself (`run.started`'s env id
 * built through the registry): what it declares it can describe (a grid's cells), else named
 * observation elements as `name=value` pairs; an unknown env (null) names nothing.
 */
export function environmentVocabulary(env: Environment | null): EnvironmentVocabulary {
  if (env === null) return { actionNames: null, describe: () => null, describeImagined: () => null };
  const spec = env.actionSpec();
  const actionNames = spec.kind === 'discrete' ? spec.names : null;
  const declared = env.description;
  if (declared) return { actionNames, describe: (o) => declared.describe(o), describeImagined: (s) => declared.describeImagined(s) };
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

function formatShort(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(3)));
}
