import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlpCritic } from '../../../src/agent/reference/mlp-critic.js';
import { f32 } from '../../../src/events/tensor.js';
import { SeededRng } from '../../../src/random/seeded-rng.js';

const states = f32(Float32Array.from([0.01, -0.2, 0.05, 0.3, -1.1, 0.7, -0.15, -1.4, 0.4, 0, 0.2, 0.9]), [3, 4]);
const targets = Float32Array.from([33, 12, 1]);

describe('MlpCritic value scale', () => {
  it('reports V in return units: k times what the same network outputs unscaled', () => {
    const plain = new MlpCritic('critic', 4, [8], SeededRng.fromSeed(5), 1e-3);
    const scaled = new MlpCritic('critic', 4, [8], SeededRng.fromSeed(5), 1e-3, 33);
    const v = plain.evaluate(states).data;
    const w = scaled.evaluate(states).data;
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(w[i]! - 33 * v[i]!) <= 1e-4 * Math.abs(w[i]!), `row ${i}: ${w[i]} vs 33 × ${v[i]}`);
    assert.equal(scaled.version(), plain.version(), 'the scale is config, not parameters');
    plain.dispose();
    scaled.dispose();
  });

  it('trains on targets / k: the same step as an unscaled critic given the divided targets', () => {
    const plain = new MlpCritic('critic', 4, [8], SeededRng.fromSeed(5), 1e-3);
    const scaled = new MlpCritic('critic', 4, [8], SeededRng.fromSeed(5), 1e-3, 33);
    const inputs = states.data as Float32Array;
    for (let k = 0; k < 3; k++) {
      scaled.train({ rows: 3, inputs, targets });
      plain.train({ rows: 3, inputs, targets: targets.map((t) => t / 33) });
    }
    assert.deepEqual(scaled.saveCheckpoint().parameters, plain.saveCheckpoint().parameters);
    plain.dispose();
    scaled.dispose();
  });
});
