import { findEnvironment } from '../envs/registry.js';

/**
 * How the viewer can draw an environment's observations: a grid of tiles (one-hot cells), a cart
 * and pole, a pendulum, or nothing better than the vector. Read from what the env declares (a
 * picture of its observations, its observation names), so a new env with the same named quantities is drawn too.
 */
export type ObservationDrawing =
  | { kind: 'grid'; layout: string[] }
  | { kind: 'cart-pole'; x: number; theta: number; x_limit: number }
  | { kind: 'pendulum'; cos: number; sin: number }
  | { kind: 'vector'; names: string[] | null };

export function observationDrawing(envId: string | null): ObservationDrawing {
  const env = findEnvironment(envId); // null for a user env the registry does not know: draw the vector
  if (env === null) return { kind: 'vector', names: null };
  const picture = env.description?.picture;
  if (picture?.kind === 'grid') return { kind: 'grid', layout: [...picture.layout] };
  const spec = env.observationSpec();
  const names = spec.names ?? null;
  const at = (name: string) => names?.indexOf(name) ?? -1;
  if (at('x') >= 0 && at('theta') >= 0) return { kind: 'cart-pole', x: at('x'), theta: at('theta'), x_limit: Math.abs(spec.high?.[at('x')] ?? 2.4) || 2.4 };
  const cos = names?.findIndex((n) => /^cos/.test(n)) ?? -1;
  const sin = names?.findIndex((n) => /^sin/.test(n)) ?? -1;
  if (cos >= 0 && sin >= 0) return { kind: 'pendulum', cos, sin };
  return { kind: 'vector', names };
}
