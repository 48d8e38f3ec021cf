import type { EventInputOf } from '../src/events/registry.js';
import { SeededRng } from '../src/random/seeded-rng.js';

export type CriticEvent = EventInputOf<'critic.evaluated'>;

/** N events like a critic evaluating one state per decision (float32[1,32] states, float32[1] values), seeded by `seed`. */
export function criticEvents(n: number, seed: string | number = 20261126): CriticEvent[] {
  const rng = SeededRng.fromSeed(seed);
  const floats = new Float32Array(n * 33);
  for (let i = 0; i < floats.length; i++) floats[i] = rng.normal();
  return Array.from({ length: n }, (_, i) => ({
    type: 'critic.evaluated' as const,
    episode: Math.floor(i / 1000),
    step: i % 1000,
    decision: i,
    component: 'critic',
    version: '9f86d081884c7d65',
    payload: {
      states: { dtype: 'float32' as const, shape: [1, 32], data: floats.subarray(i * 33, i * 33 + 32) },
      values: { dtype: 'float32' as const, shape: [1], data: floats.subarray(i * 33 + 32, i * 33 + 33) },
    },
  }));
}
