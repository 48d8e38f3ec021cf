import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initNumericBackend } from '../../../src/agent/backend/numeric-backend.js';
import { losses } from '../../../src/agent/nn/losses.js';
import { InvalidInputError } from '../../../src/errors/flightrec-error.js';

before(() => initNumericBackend());

const value = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]!);
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('mse averages over columns, then rows; weights scale rows', () => {
  const p = () => tf.tensor2d([[1, 2], [3, 5]]);
  const t = () => tf.tensor2d([[1, 0], [0, 5]]);
  close(value(() => losses.mse(p(), t())), (2 + 4.5) / 2);
  close(value(() => losses.mse(p(), t(), tf.tensor1d([2, 0]))), (2 * 2 + 0) / 2);
});

test('cross-entropy with logits matches the formula and survives huge logits', () => {
  const logits = [[0, Math.log(3)], [1000, 0]];
  const target = [[0.5, 0.5], [0, 1]];
  const row0 = -(0.5 * Math.log(0.25) + 0.5 * Math.log(0.75));
  const row1 = 1000;
  close(value(() => losses.crossEntropyWithLogits(tf.tensor2d(logits), tf.tensor2d(target))), (row0 + row1) / 2, 1e-3);
  close(value(() => losses.crossEntropyWithLogits(tf.tensor2d(logits), tf.tensor2d(target), tf.tensor1d([1, 0]))), row0 / 2);
});

test('cross-entropy with probabilities clips zero probabilities to a finite loss', () => {
  const probs = [[0.25, 0.75], [1, 0]];
  const target = [[0, 1], [0, 1]];
  const loss = value(() => losses.crossEntropyWithProbabilities(tf.tensor2d(probs), tf.tensor2d(target)));
  close(loss, (-Math.log(0.75) - Math.log(1e-7)) / 2, 1e-3);
});

test('mismatched shapes are input errors', () => {
  tf.tidy(() => {
    assert.throws(() => losses.mse(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D), InvalidInputError);
    assert.throws(() => losses.mse(tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([3]) as tf.Tensor1D), InvalidInputError);
  });
});
