import * as tf from '@tensorflow/tfjs';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import type { Actor, GaussianProposal } from '../components.js';
import type { ActionBox } from './mppi-planner.js';
import { MlpComponent } from './mlp-component.js';

/** Bounds of the actor's std, in half-widths of the action box (TD-MPC2's log-std range is about this). */
const LOG_STD_MIN = Math.log(0.05);
const LOG_STD_MAX = Math.log(2);

/**
 * π(a|s) for continuous actions: a diagonal Gaussian whose mean is squashed into the action box
 * (tanh, scaled) and whose std is exp of a clamped log-std, both from one MLP with 2·A outputs.
 * Trained by Gaussian negative log-likelihood towards the actions the planner executed, so the
 * actor distils the planner as the discrete actor does, and its std says how sure it is.
 */
export class GaussianActor extends MlpComponent implements Actor {
  readonly role = 'actor' as const;
  private readonly A: number;
  private readonly mid: Float32Array;
  private readonly half: Float32Array;

  constructor(name: string, obsSize: number, readonly box: ActionBox, hidden: number[], rng: SeededRng, lr: number) {
    super(name, 'gaussian-actor', [obsSize, ...hidden, 2 * box.low.length], 'relu', rng, { lr, maxGradNorm: 10 });
    this.A = box.low.length;
    this.half = Float32Array.from(box.low, (lo, j) => (box.high[j]! - lo) / 2);
    this.mid = Float32Array.from(box.low, (lo, j) => lo + this.half[j]!);
  }

  /** Width of one training target row: the executed action (the network outputs mean and log-std). */
  override get targetSize(): number {
    return this.A;
  }

  propose(states: Tensor): GaussianProposal {
    const n = states.shape[0]!;
    const A = this.A;
    const out = this.forwardRows(states.data as Float32Array, n);
    const mean = new Float32Array(n * A);
    const std = new Float32Array(n * A);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < A; j++) {
        mean[i * A + j] = this.mid[j]! + this.half[j]! * Math.tanh(out[i * 2 * A + j]!);
        std[i * A + j] = this.half[j]! * Math.exp(Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, out[i * 2 * A + A + j]!)));
      }
    }
    return { mean: f32(mean, [n, A]), std: f32(std, [n, A]) };
  }

  protected loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const [m, ls] = tf.split(output, [this.A, this.A], 1) as [tf.Tensor2D, tf.Tensor2D];
      const half = tf.tensor1d(this.half);
      const mu = tf.add(tf.tensor1d(this.mid), tf.mul(half, tf.tanh(m)));
      const logStd = tf.add(tf.log(half), tf.clipByValue(ls, LOG_STD_MIN, LOG_STD_MAX));
      const z = tf.div(tf.sub(targets, mu), tf.exp(logStd));
      return tf.mean(tf.add(tf.mul(0.5, tf.square(z)), logStd)) as tf.Scalar;
    });
  }
}
