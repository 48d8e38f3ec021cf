import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initNumericBackend } from '../../../src/agent/backend/numeric-backend.js';
import { AdamTrainer, type AdamOptions } from '../../../src/agent/nn/adam-trainer.js';
import { losses } from '../../../src/agent/nn/losses.js';
import { Mlp } from '../../../src/agent/nn/mlp.js';
import { InvalidInputError } from '../../../src/errors/flightrec-error.js';
import { SeededRng } from '../../../src/random/seeded-rng.js';

before(() => initNumericBackend());

const SIZES = [4, 64, 64, 5];
const OPTIONS: AdamOptions = { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxGradNorm: 0.5 };
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Deterministic batches: 64 rows of inputs, one-hot targets and per-row weights. */
function batches(count: number): { x: Float32Array; y: Float32Array; w: Float32Array }[] {
  const rng = SeededRng.fromSeed('batches');
  return Array.from({ length: count }, () => {
    const x = new Float32Array(64 * 4).map(() => rng.normal());
    const y = new Float32Array(64 * 5);
    for (let r = 0; r < 64; r++) y[r * 5 + rng.int(5)] = 1;
    const w = new Float32Array(64).map(() => 0.5 + rng.uniform());
    return { x, y, w };
  });
}

function train(mlp: Mlp, trainer: AdamTrainer, data: ReturnType<typeof batches>): void {
  for (const b of data) {
    // Alternate by the trainer's own step count, so that a resumed run picks the same loss.
    const even = trainer.stepCount % 2 === 0;
    tf.tidy(() => {
      const x = tf.tensor2d(b.x, [64, 4]);
      const y = tf.tensor2d(b.y, [64, 5]);
      const w = tf.tensor1d(b.w);
      trainer.step(() =>
        even ? losses.crossEntropyWithLogits(mlp.logits(x), y, w) : losses.mse(mlp.forward(x), y),
      );
    });
  }
}

const fresh = () => {
  const mlp = Mlp.create({ sizes: SIZES, activation: 'tanh', rng: SeededRng.fromSeed(42) });
  return { mlp, trainer: new AdamTrainer(mlp, OPTIONS) };
};

test('two Mlps from the same seed trained on the same batches end bit-identical', () => {
  const data = batches(20);
  const a = fresh();
  const b = fresh();
  train(a.mlp, a.trainer, data);
  train(b.mlp, b.trainer, data);
  assert.deepEqual(bytes(a.mlp.getParameters()), bytes(b.mlp.getParameters()));
  assert.deepEqual(bytes(a.trainer.getState()), bytes(b.trainer.getState()));
  assert.equal(a.mlp.version(), b.mlp.version());
  const untrained = fresh();
  assert.notEqual(untrained.mlp.version(), a.mlp.version());
  for (const s of [a, b, untrained]) s.trainer.dispose(), s.mlp.dispose();
});

test('5 steps, save, restore into fresh objects, 5 more steps = 10 uninterrupted steps, bit for bit', () => {
  const data = batches(10);
  const straight = fresh();
  train(straight.mlp, straight.trainer, data);

  const first = fresh();
  train(first.mlp, first.trainer, data.slice(0, 5));
  const params = first.mlp.getParameters();
  const state = first.trainer.getState();
  first.trainer.dispose();
  first.mlp.dispose();

  // A different seed, so that nothing but the restored bytes can make the result match.
  const resumed = Mlp.create({ sizes: SIZES, activation: 'tanh', rng: SeededRng.fromSeed(1) });
  const trainer = new AdamTrainer(resumed, OPTIONS);
  resumed.setParameters(params);
  trainer.setState(state);
  assert.equal(trainer.stepCount, 5);
  train(resumed, trainer, data.slice(5));

  assert.equal(trainer.stepCount, 10);
  assert.deepEqual(bytes(resumed.getParameters()), bytes(straight.mlp.getParameters()));
  assert.deepEqual(bytes(trainer.getState()), bytes(straight.trainer.getState()));
  for (const x of [trainer, resumed, straight.trainer, straight.mlp]) x.dispose();
});

test('a training loop leaves the tensor count unchanged', () => {
  const { mlp, trainer } = fresh();
  const data = batches(3);
  train(mlp, trainer, data.slice(0, 1));
  const b = data[0]!;
  const [x, y, w] = [tf.tensor2d(b.x, [64, 4]), tf.tensor2d(b.y, [64, 5]), tf.tensor1d(b.w)];
  const before = tf.memory().numTensors;
  // Not wrapped in tidy: step itself must clean up the loss graph, gradients and updates.
  for (let i = 0; i < 10; i++) trainer.step(() => losses.crossEntropyWithLogits(mlp.logits(x), y, w));
  for (let i = 0; i < 10; i++) trainer.step(() => losses.mse(mlp.forward(x), y));
  trainer.setState(trainer.getState());
  mlp.setParameters(mlp.getParameters());
  mlp.predict(data[0]!.x, 64);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y, w]);
  trainer.dispose();
  mlp.dispose();
});

test('state layout: header with step count split in two exact halves, then m and v', () => {
  const { mlp, trainer } = fresh();
  train(mlp, trainer, batches(3));
  const s = trainer.getState();
  assert.equal(s.length, 3 + 2 * mlp.parameterCount);
  assert.deepEqual([...s.subarray(0, 3)], [1, 0, 3]);
  const big = new Float32Array(s);
  big[1] = 3;
  big[2] = 17;
  trainer.setState(big);
  assert.equal(trainer.stepCount, 3 * 65536 + 17);
  assert.throws(() => trainer.setState(s.subarray(1)), (e: unknown) => e instanceof InvalidInputError && e.details['expected'] === s.length);
  const badLayout = new Float32Array(s);
  badLayout[0] = 2;
  assert.throws(() => trainer.setState(badLayout), InvalidInputError);
  trainer.dispose();
  mlp.dispose();
});

test('clipping bounds the applied gradient; gradNorm reports the unclipped norm', () => {
  const mlp = Mlp.create({ sizes: [1, 1], activation: 'tanh', rng: SeededRng.fromSeed(1) });
  mlp.setParameters(new Float32Array([0, 0]));
  const trainer = new AdamTrainer(mlp, { lr: 0.1, maxGradNorm: 1 });
  // loss = (w·1 + b − 10)² / 1 → gradient (−20, −20), norm 20√2.
  const [x, y] = [tf.tensor2d([[1]]), tf.tensor2d([[10]])];
  const r = trainer.step(() => losses.mse(mlp.forward(x), y));
  tf.dispose([x, y]);
  assert.equal(r.loss, 100);
  assert.ok(Math.abs(r.gradNorm - 20 * Math.SQRT2) < 1e-4);
  // The first Adam step moves each parameter by ≈ lr regardless of scale.
  for (const p of mlp.getParameters()) assert.ok(Math.abs(p - 0.1) < 1e-5, String(p));
  assert.throws(() => new AdamTrainer(mlp, { lr: 0 }), InvalidInputError);
  assert.throws(() => new AdamTrainer(mlp, { lr: 1e-3, beta2: 1 }), InvalidInputError);
  trainer.dispose();
  mlp.dispose();
});

test('learning sanity: y = sin(x) on 256 points reaches MSE < 0.01 within 1000 steps', () => {
  const n = 256;
  const xs = new Float32Array(n).map((_, i) => -Math.PI + (2 * Math.PI * i) / (n - 1));
  const ys = xs.map((x) => Math.sin(x));
  const mlp = Mlp.create({ sizes: [1, 32, 32, 1], activation: 'tanh', rng: SeededRng.fromSeed(2024) });
  const trainer = new AdamTrainer(mlp, { lr: 1e-2 });
  const x = tf.tensor2d(xs, [n, 1]);
  const y = tf.tensor2d(ys, [n, 1]);
  let loss = Infinity;
  let steps = 0;
  while (loss >= 0.01 && steps < 1000) {
    loss = trainer.step(() => losses.mse(mlp.forward(x), y)).loss;
    steps++;
  }
  const final = tf.tidy(() => losses.mse(mlp.forward(x), y).dataSync()[0]!);
  assert.ok(final < 0.01, `mse ${final} after ${steps} steps`);
  tf.dispose([x, y]);
  trainer.dispose();
  mlp.dispose();
});
