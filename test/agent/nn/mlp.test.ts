import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initNumericBackend } from '../../../src/agent/backend/numeric-backend.js';
import { Mlp } from '../../../src/agent/nn/mlp.js';
import { InvalidInputError } from '../../../src/errors/flightrec-error.js';
import { SeededRng } from '../../../src/random/seeded-rng.js';

before(() => initNumericBackend());

const make = (seed = 7, sizes = [4, 64, 64, 5]) => Mlp.create({ sizes, activation: 'tanh', rng: SeededRng.fromSeed(seed) });
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('initialisation is a function of the rng state only', () => {
  const a = make();
  const b = make();
  const c = make(8);
  assert.equal(a.parameterCount, 4 * 64 + 64 + 64 * 64 + 64 + 64 * 5 + 5);
  assert.deepEqual(bytes(a.getParameters()), bytes(b.getParameters()));
  assert.notDeepEqual(bytes(a.getParameters()), bytes(c.getParameters()));
  for (const m of [a, b, c]) m.dispose();
});

test('parameters are W0, b0, W1, b1, ... with row-major weights and zero biases', () => {
  const rng = SeededRng.fromSeed(3);
  const m = Mlp.create({ sizes: [2, 3, 1], activation: 'relu', rng: rng.clone() });
  const p = m.getParameters();
  const heLimit = Math.sqrt(6 / 2);
  const first = Math.fround((2 * rng.uniform() - 1) * heLimit);
  assert.equal(p[0], first);
  assert.deepEqual([...p.subarray(6, 9)], [0, 0, 0]);
  assert.equal(p.length, 2 * 3 + 3 + 3 * 1 + 1);
  assert.equal(p[p.length - 1], 0);
  m.dispose();
});

test('setParameters round-trips bit for bit and rejects a wrong length by name', () => {
  const m = make(1, [3, 5, 2]);
  const p = m.getParameters();
  p[0] = -0;
  p[1] = NaN;
  m.setParameters(p);
  assert.deepEqual(bytes(m.getParameters()), bytes(p));
  const err = (() => {
    try {
      m.setParameters(new Float32Array(p.length - 1));
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof InvalidInputError);
  assert.equal(err.details['expected'], p.length);
  assert.equal(err.details['received'], p.length - 1);
  assert.match(err.message, new RegExp(`${p.length}.*${p.length - 1}`));
  m.dispose();
});

test('version is equal for equal parameters and changes when one parameter changes', () => {
  const a = make();
  const b = make();
  assert.match(a.version(), /^[0-9a-f]{16}$/);
  assert.equal(a.version(), b.version());
  const p = b.getParameters();
  const q = new Float32Array(p);
  q[1000] = q[1000]! + 1e-6;
  b.setParameters(q);
  assert.notEqual(b.version(), a.version());
  b.setParameters(p);
  assert.equal(b.version(), a.version());
  // Only the bits count: +0 and -0 are different parameters.
  const z = new Float32Array(p);
  z[z.length - 1] = -0;
  b.setParameters(z);
  assert.notEqual(b.version(), a.version());
  // The architecture is part of the version: same bits under another output activation differ.
  const soft = Mlp.create({ sizes: [4, 64, 64, 5], activation: 'tanh', outputActivation: 'softmax', rng: SeededRng.fromSeed(7) });
  assert.notEqual(soft.version(), a.version());
  for (const m of [a, b, soft]) m.dispose();
});

test('forward and predict agree; softmax rows sum to one; shapes are checked', () => {
  const m = Mlp.create({ sizes: [4, 16, 3], activation: 'relu', outputActivation: 'softmax', rng: SeededRng.fromSeed(2) });
  const x = new Float32Array(10 * 4).map((_, i) => Math.sin(i));
  const before = tf.memory().numTensors;
  const out = m.predict(x, 10);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(out.length, 30);
  const viaForward = tf.tidy(() => m.forward(tf.tensor2d(x, [10, 4])).dataSync());
  assert.deepEqual(bytes(out), bytes(viaForward as Float32Array));
  for (let r = 0; r < 10; r++) assert.ok(Math.abs(out[3 * r]! + out[3 * r + 1]! + out[3 * r + 2]! - 1) < 1e-5);
  assert.throws(() => m.predict(x, 9), InvalidInputError);
  assert.throws(() => tf.tidy(() => m.forward(tf.zeros([2, 5]) as tf.Tensor2D)), InvalidInputError);
  m.dispose();
});

test('invalid architectures are rejected', () => {
  const rng = SeededRng.fromSeed(1);
  assert.throws(() => Mlp.create({ sizes: [4], activation: 'tanh', rng }), InvalidInputError);
  assert.throws(() => Mlp.create({ sizes: [4, 0], activation: 'tanh', rng }), InvalidInputError);
  assert.throws(() => Mlp.create({ sizes: [4, 2], activation: 'gelu' as never, rng }), InvalidInputError);
});
