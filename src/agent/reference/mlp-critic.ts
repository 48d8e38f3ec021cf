import type * as tf from '@tensorflow/tfjs';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { losses } from '../nn/losses.js';
import type { Critic } from '../components.js';
import { MlpComponent } from './mlp-component.js';

/** V(s): an MLP regressed on TD(λ) returns (targets computed by the trainer and recorded with each update). */
export class MlpCritic extends MlpComponent implements Critic {
  readonly role = 'critic' as const;

  constructor(name: string, obsSize: number, hidden: number[], rng: SeededRng, lr: number) {
    super(name, 'mlp-critic', [obsSize, ...hidden, 1], 'relu', rng, { lr, maxGradNorm: 10 });
  }

  evaluate(states: Tensor): Tensor {
    return f32(this.forwardRows(states.data as Float32Array, states.shape[0]!));
  }

  protected loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    return losses.mse(output, targets);
  }
}
