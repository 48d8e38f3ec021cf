import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finiteHorizonReturn, optimalEpisodeReturn, policyEvaluation, valueIteration } from '../../src/envs/tabular-solver.js';
import type { TransitionTable } from '../../src/envs/transition-table.js';

// Two states. In 0: action 0 stays for reward 1 (performance 0); action 1 ends the episode for
// reward 5 (performance 5). State 1 is absorbing. Closed forms: staying is worth 1/(1−γ).
const chain: TransitionTable = {
  numStates: 2,
  numActions: 2,
  outcomes: [
    [
      [{ probability: 1, nextState: 0, reward: 1, performance: 0, terminal: false }],
      [{ probability: 1, nextState: 1, reward: 5, performance: 5, terminal: true }],
    ],
    [
      [{ probability: 1, nextState: 1, reward: 0, performance: 0, terminal: true }],
      [{ probability: 1, nextState: 1, reward: 0, performance: 0, terminal: true }],
    ],
  ],
};
const close = (a: number, b: number, tol = 1e-10): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('tabular solvers on a two-state chain', () => {
  it('value iteration picks staying when 1/(1−γ) > 5, leaving otherwise', () => {
    const patient = valueIteration(chain, 0.9);
    close(patient.V[0]!, 10);
    assert.equal(patient.policy[0], 0);
    close(patient.Q[0]![1]!, 5);
    const impatient = valueIteration(chain, 0.5);
    close(impatient.V[0]!, 5);
    assert.equal(impatient.policy[0], 1);
    assert.equal(valueIteration(chain, 0.9, { signal: 'performance' }).policy[0], 1);
  });

  it('reports non-convergence as data rather than throwing', () => {
    const r = valueIteration(chain, 0.99, { maxIters: 3 });
    assert.equal(r.converged, false);
    assert.equal(r.iterations, 3);
  });

  it('policy evaluation handles deterministic and stochastic policies', () => {
    close(policyEvaluation(chain, 0.9, Int32Array.of(0, 0))[0]!, 10);
    // Half stay, half leave: V = 0.5(1 + γV) + 0.5·5  ⇒  V = 3 / (1 − 0.45).
    const half = [Float64Array.of(0.5, 0.5), Float64Array.of(1, 0)];
    close(policyEvaluation(chain, 0.9, half)[0]!, 3 / 0.55);
  });

  it('finite horizons count exactly the steps allowed', () => {
    close(finiteHorizonReturn(chain, 0.9, Int32Array.of(0, 0), 3, 0), 1 + 0.9 + 0.81);
    close(finiteHorizonReturn(chain, 1, Int32Array.of(0, 0), 3, 0), 3);
    close(finiteHorizonReturn(chain, 0.9, Int32Array.of(0, 0), 0, 0), 0);
    // Within 3 undiscounted steps the best is to stay twice then leave: 1 + 1 + 5.
    const best = optimalEpisodeReturn(chain, 1, 3, 0);
    close(best.undiscountedReward, 7);
    assert.deepEqual(best.policy.map((p) => p[0]), [0, 0, 1]);
    assert.deepEqual(best.performance, { discounted: 5, undiscounted: 5 });
  });

  it('rejects bad inputs with InvalidInputError', () => {
    const bad = { ...chain, outcomes: [chain.outcomes[0]!, [[{ ...chain.outcomes[1]![0]![0]!, probability: 0.5 }], chain.outcomes[1]![1]!]] };
    assert.throws(() => valueIteration(bad, 0.9), { code: 'INVALID_INPUT' });
    assert.throws(() => valueIteration(chain, 1.5), { code: 'INVALID_INPUT' });
    assert.throws(() => policyEvaluation(chain, 0.9, Int32Array.of(0)), { code: 'INVALID_INPUT' });
    assert.throws(() => policyEvaluation(chain, 0.9, Int32Array.of(2, 0)), { code: 'INVALID_INPUT' });
    assert.throws(() => finiteHorizonReturn(chain, 0.9, Int32Array.of(0, 0), 3, 7), { code: 'INVALID_INPUT' });
    // γ = 1 with a policy that never ends has no finite value.
    assert.throws(() => policyEvaluation(chain, 1, Int32Array.of(0, 0)), /singular/);
  });
});
