import * as tf from '@tensorflow/tfjs';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import type { WorldModel } from '../components.js';
import { MlpComponent, stateActionRows } from './mlp-component.js';

/**
 * (s, a) → (s', done): an MLP predicting the state change and a termination logit. Targets are
 * [Δs..., done∈{0,1}]; the loss is MSE on Δs plus binary cross-entropy on done, because a planner
 * that cannot see episodes end cannot avoid ending them.
 */
export class MlpWorldModel extends MlpComponent implements WorldModel {
  readonly role = 'world_model' as const;

  constructor(
    name: string,
    readonly obsSize: number,
    readonly actionCount: number,
    hidden: number[],
    rng: SeededRng,
    lr: number,
    /**
     * The observation box, when predictions are kept inside it. A planner that imagines many steps
     * ahead otherwise walks off the data into states where the reward model pays anything, and
     * exploits that (the MPPI agent passes its env's bounds; the beam agent passes none).
     */
    private readonly bounds: { low: readonly number[]; high: readonly number[] } | null = null,
  ) {
    super(name, 'mlp-world-model', [obsSize + actionCount, ...hidden, obsSize + 1], 'relu', rng, { lr, maxGradNorm: 10 });
  }

  predict(states: Tensor, actions: Tensor): { nextStates: Tensor; done: Tensor } {
    const n = states.shape[0]!;
    const obs = this.obsSize;
    const out = this.forwardRows(stateActionRows(states, actions, this.actionCount), n);
    const next = new Float32Array(n * obs);
    const done = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < obs; j++) next[i * obs + j] = states.data[i * obs + j]! + out[i * (obs + 1) + j]!;
      if (this.bounds !== null) for (let j = 0; j < obs; j++) next[i * obs + j] = Math.min(this.bounds.high[j]!, Math.max(this.bounds.low[j]!, next[i * obs + j]!));
      done[i] = 1 / (1 + Math.exp(-out[i * (obs + 1) + obs]!));
    }
    return { nextStates: f32(next, [n, obs]), done: f32(done) };
  }

  protected loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    const obs = this.obsSize;
    const [delta, doneLogit] = tf.split(output, [obs, 1], 1) as [tf.Tensor2D, tf.Tensor2D];
    const [deltaTarget, doneTarget] = tf.split(targets, [obs, 1], 1) as [tf.Tensor2D, tf.Tensor2D];
    const mse = tf.mean(tf.squaredDifference(delta, deltaTarget));
    const bce = tf.losses.sigmoidCrossEntropy(doneTarget, doneLogit);
    return tf.add(mse, bce) as tf.Scalar;
  }
}
