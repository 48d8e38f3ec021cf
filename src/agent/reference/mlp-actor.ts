import * as tf from '@tensorflow/tfjs';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { losses } from '../nn/losses.js';
import type { Actor } from '../components.js';
import { MlpComponent } from './mlp-component.js';

/** π(a|s): a softmax policy trained by cross-entropy towards the planner's choices. */
export class MlpActor extends MlpComponent implements Actor {
  readonly role = 'actor' as const;

  constructor(name: string, obsSize: number, readonly actionCount: number, hidden: number[], rng: SeededRng, lr: number) {
    super(name, 'mlp-actor', [obsSize, ...hidden, actionCount], 'relu', rng, { lr, maxGradNorm: 10 });
  }

  propose(states: Tensor): Tensor {
    const n = states.shape[0]!;
    const logits = this.forwardRows(states.data as Float32Array, n);
    const probs = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [n, this.actionCount])).dataSync() as Float32Array);
    return f32(probs, [n, this.actionCount]);
  }

  protected loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    return losses.crossEntropyWithLogits(output, targets);
  }
}
