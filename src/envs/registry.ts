import { z } from 'zod';
import { InvalidInputError } from '../errors/flightrec-error.js';
import { Cartpole, CartpoleConfig } from './cartpole.js';
import type { Environment } from './environment.js';
import { Gridworld, GridworldConfig } from './gridworld.js';
import { Pendulum, PendulumConfig } from './pendulum.js';

/** Ids `makeEnvironment` knows, in the order they are listed to users. */
export const ENVIRONMENT_IDS = ['gridworld', 'cartpole', 'pendulum'] as const;
export const EnvironmentId = z.enum(ENVIRONMENT_IDS);
export type EnvironmentId = z.infer<typeof EnvironmentId>;

/**
 * Builds a built-in environment by id. Options are validated by the env's own config schema
 * (InvalidInputError on unknown keys or bad values); an unknown id lists the known ones.
 */
export function makeEnvironment(id: 'gridworld', options?: z.input<typeof GridworldConfig>): Gridworld;
export function makeEnvironment(id: 'cartpole', options?: z.input<typeof CartpoleConfig>): Cartpole;
export function makeEnvironment(id: 'pendulum', options?: z.input<typeof PendulumConfig>): Pendulum;
export function makeEnvironment(id: string, options?: unknown): Environment;
export function makeEnvironment(id: string, options?: unknown): Environment {
  switch (id) {
    case 'gridworld':
      return new Gridworld(options as z.input<typeof GridworldConfig>);
    case 'cartpole':
      return new Cartpole(options as z.input<typeof CartpoleConfig>);
    case 'pendulum':
      return new Pendulum(options as z.input<typeof PendulumConfig>);
    default:
      throw new InvalidInputError(`unknown environment "${id}"; known: ${ENVIRONMENT_IDS.join(', ')}`, {
        id,
        known: [...ENVIRONMENT_IDS],
      });
  }
}

/**
 * A built-in environment by a run's recorded env id, or null for none or an id this build does not
 * know (a user's environment): readers then fall back to what the log alone says.
 */
export function findEnvironment(id: string | null): Environment | null {
  if (id === null || !(ENVIRONMENT_IDS as readonly string[]).includes(id)) return null;
  return makeEnvironment(id);
}
