import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dirichlet } from '../../src/random/dirichlet.js';
import { SeededRng } from '../../src/random/seeded-rng.js';

describe('dirichlet', () => {
  it('draws a probability vector, reproducibly from the generator state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 12 }), fc.double({ min: 0.01, max: 20, noNaN: true }), (seed, n, alpha) => {
        const rng = SeededRng.fromSeed(seed);
        const state = rng.state();
        const p = dirichlet(rng, n, alpha);
        assert.equal(p.length, n);
        assert.ok(p.every((x) => x >= 0 && x <= 1));
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
        assert.deepEqual(dirichlet(SeededRng.fromState(state), n, alpha), p);
      }),
    );
  });

  it('has the Dirichlet mean 1/n and variance (n − 1)/(n²(nα + 1)) per component', () => {
    const rng = SeededRng.fromSeed(3);
    for (const alpha of [0.25, 3]) {
      const n = 4;
      const draws = Array.from({ length: 20000 }, () => dirichlet(rng, n, alpha)[0]!);
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
      const expected = (n - 1) / (n * n * (n * alpha + 1));
      assert.ok(Math.abs(mean - 1 / n) < 0.01, `α ${alpha}: mean ${mean}`);
      assert.ok(Math.abs(variance - expected) < 0.1 * expected, `α ${alpha}: variance ${variance} vs ${expected}`);
    }
  });
});
