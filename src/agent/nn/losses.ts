import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../../errors/flightrec-error.js';

/**
 * Scalar losses over batches of shape [rows, columns]. Each row's loss is reduced over columns,
 * then rows are averaged; with `weights` (one per row, e.g. importance-sampling weights) the
 * result is mean_i(w_i · loss_i), so weights of 1 give the unweighted loss and the scale does not
 * depend on how the weights happen to sum. Like `Mlp.forward`, they create tensors without
 * disposing them (they run under `tf.variableGrads`); call them inside `tf.tidy` or a trainer step.
 * All throw InvalidInputError on mismatched shapes.
 */
export const losses = {
  /** Mean over rows of the per-row mean squared error. */
  mse(prediction: tf.Tensor2D, target: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
    checkShapes('mse', prediction, target, weights);
    return reduceRows(tf.mean(tf.squaredDifference(prediction, target), 1), weights);
  },

  /**
   * Cross-entropy −Σ_j target_ij · log softmax(logits_i)_j, computed with logSoftmax so that large
   * logits do not overflow. `target` rows are distributions (one-hot or soft).
   */
  crossEntropyWithLogits(logits: tf.Tensor2D, target: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
    checkShapes('crossEntropyWithLogits', logits, target, weights);
    return reduceRows(tf.neg(tf.sum<tf.Tensor1D>(tf.mul(target, tf.logSoftmax(logits)), 1)), weights);
  },

  /**
   * Cross-entropy −Σ_j target_ij · log p_ij against probabilities (e.g. an Mlp with softmax output).
   * p is clipped to [epsilon, 1] before the log so that a zero probability gives a large finite
   * loss; the gradient is zero where clipping is active. Prefer `crossEntropyWithLogits`.
   */
  crossEntropyWithProbabilities(probabilities: tf.Tensor2D, target: tf.Tensor2D, weights?: tf.Tensor1D, epsilon = 1e-7): tf.Scalar {
    checkShapes('crossEntropyWithProbabilities', probabilities, target, weights);
    if (!(epsilon > 0 && epsilon < 1)) throw new InvalidInputError('epsilon must be in (0, 1)', { epsilon });
    const logP = tf.log(tf.clipByValue(probabilities, epsilon, 1));
    return reduceRows(tf.neg(tf.sum<tf.Tensor1D>(tf.mul(target, logP), 1)), weights);
  },
};

function reduceRows(perRow: tf.Tensor1D, weights: tf.Tensor1D | undefined): tf.Scalar {
  return tf.mean(weights === undefined ? perRow : tf.mul(perRow, weights));
}

function checkShapes(loss: string, a: tf.Tensor, b: tf.Tensor, weights: tf.Tensor | undefined): void {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new InvalidInputError(`${loss}: inputs must be two tensors of equal shape [rows, columns]`, {
      loss,
      prediction: a.shape,
      target: b.shape,
    });
  }
  if (weights !== undefined && (weights.rank !== 1 || weights.shape[0] !== a.shape[0])) {
    throw new InvalidInputError(`${loss}: weights must have shape [${a.shape[0]}]`, { loss, weights: weights.shape, rows: a.shape[0] });
  }
}
