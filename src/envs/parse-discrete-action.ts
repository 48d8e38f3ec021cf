import { InvalidInputError } from '../errors/flightrec-error.js';

/** Checks that `action` is an integer index in [0, n); the error names the offending value. */
export function parseDiscreteAction(action: unknown, n: number, env: string): number {
  if (typeof action === 'number' && Number.isInteger(action) && action >= 0 && action < n) return action;
  const shown = action instanceof Float32Array ? `Float32Array [${Array.from(action).join(', ')}]` : String(action);
  throw new InvalidInputError(`${env}: invalid action ${shown}; expected an integer in [0, ${n})`, {
    env,
    action: shown,
    n,
  });
}
