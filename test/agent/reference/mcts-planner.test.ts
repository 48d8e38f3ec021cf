import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Actor, Critic, RewardFunction, WorldModel } from '../../../src/agent/components.js';
import { MctsPlanner } from '../../../src/agent/reference/mcts-planner.js';
import { decodeValue, encodeValue } from '../../../src/events/payload-codec.js';
import { safeParseEventInput } from '../../../src/events/registry.js';
import { f32, type Tensor } from '../../../src/events/tensor.js';
import { SeededRng } from '../../../src/random/seeded-rng.js';

const OBS = 2;

/** Small deterministic components over 2-d states: enough to grow arbitrary trees. */
function components(A: number, salt: number) {
  const worldModel: WorldModel = {
    role: 'world_model', kind: 'toy', name: 'world_model', version: () => 'toy',
    predict(states: Tensor, actions: Tensor) {
      const n = states.shape[0]!;
      const next = new Float32Array(n * OBS);
      const done = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const [x, y] = [states.data[i * OBS]!, states.data[i * OBS + 1]!];
        const a = actions.data[i]!;
        next[i * OBS] = Math.sin(x * 1.7 + a + salt);
        next[i * OBS + 1] = Math.cos(y * 1.3 - a * salt);
        done[i] = (Math.abs(next[i * OBS]!) * 7) % 1 < 0.1 ? 0.9 : 0;
      }
      return { nextStates: f32(next, [n, OBS]), done: f32(done) };
    },
  };
  const reward: RewardFunction = { role: 'reward', kind: 'toy', name: 'reward', version: () => 'toy', evaluate: (s: Tensor, a: Tensor) => f32(Array.from({ length: s.shape[0]! }, (_, i) => s.data[i * OBS]! * (a.data[i]! - 1))) };
  const critic: Critic = { role: 'critic', kind: 'toy', name: 'critic', version: () => 'toy', evaluate: (s: Tensor) => f32(Array.from({ length: s.shape[0]! }, (_, i) => s.data[i * OBS + 1]!)) };
  const actor: Actor = {
    role: 'actor', kind: 'toy', name: 'actor', version: () => 'toy',
    propose(s: Tensor) {
      const n = s.shape[0]!;
      const p = new Float32Array(n * A);
      for (let i = 0; i < n; i++) {
        const w = Array.from({ length: A }, (_, a) => Math.exp(Math.sin(s.data[i * OBS]! * (a + 1))));
        const total = w.reduce((x, y) => x + y, 0);
        w.forEach((v, a) => (p[i * A + a] = v / total));
      }
      return f32(p, [n, A]);
    },
  };
  return { worldModel, reward, critic, actor };
}

describe('MctsPlanner', () => {
  it('property: every search is one valid planner.searched event holding a consistent tree, reproducible from the generator state', () => {
    fc.assert(
      fc.property(
        fc.record({ seed: fc.nat(), A: fc.integer({ min: 1, max: 5 }), simulations: fc.integer({ min: 1, max: 30 }), maxDepth: fc.integer({ min: 1, max: 6 }), noise: fc.constantFrom(0, 0.25), salt: fc.integer({ min: 1, max: 9 }) }),
        ({ seed, A, simulations, maxDepth, noise, salt }) => {
          const planner = new MctsPlanner('planner', A, { kind: 'mcts', simulations, maxDepth, gamma: 0.9, rootNoise: noise, epsilonStart: 0.2, epsilonDecay: 1, epsilonMin: 0.2 });
          const c = components(A, salt);
          const obs = f32([0.3, -0.2]);
          const rng = SeededRng.fromSeed(seed);
          const state = rng.state();
          const plan = planner.plan(obs, c, rng, { episode: 0, step: 0 });
          const again = planner.plan(obs, c, SeededRng.fromState(state), { episode: 0, step: 0 });
          assert.deepEqual(again, plan);
          const internal = plan.internals![0]!;
          const parsed = safeParseEventInput({ type: internal.type, payload: internal.payload });
          assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
          assert.deepEqual(decodeValue(encodeValue(internal.payload)), internal.payload);
          const p = internal.payload as unknown as { parents: Tensor; actions: Tensor; visits: Tensor; priors: Tensor; values: Tensor; chosen_path: number[]; chosen_action: number };
          const N = p.parents.data.length;
          assert.equal((N - 1) % A, 0, 'nodes come A children at a time');
          assert.equal(p.visits.data[0], simulations + 1);
          for (let n = 1; n < N; n++) {
            const parent = p.parents.data[n]!;
            assert.ok(parent < n);
            assert.equal(p.actions.data[n], (n - 1) % A, 'children are contiguous, in action order');
            assert.ok(p.visits.data[n]! <= p.visits.data[parent]!);
            assert.ok(Number.isFinite(p.values.data[n]!));
          }
          const rootKids = Array.from({ length: A }, (_, a) => 1 + a);
          assert.equal(rootKids.reduce((s, n) => s + p.visits.data[n]!, 0), simulations);
          assert.ok(Math.abs(rootKids.reduce((s, n) => s + p.priors.data[n]!, 0) - 1) < 1e-5);
          assert.equal(plan.action, p.chosen_action);
          assert.equal(p.actions.data[p.chosen_path[1]!], p.chosen_action);
          for (let k = 2; k < p.chosen_path.length; k++) assert.equal(p.parents.data[p.chosen_path[k]!], p.chosen_path[k - 1]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
