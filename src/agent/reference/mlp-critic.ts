import * as tf from '@tensorflow/tfjs';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { losses } from '../nn/losses.js';
import type { Critic } from '../components.js';
import { MlpComponent } from './mlp-component.js';

/**
 * V(s): an MLP regressed on TD(λ) returns (targets computed by the trainer and recorded with each
 * update). With a `valueScale` k the network predicts V / k and regresses targets / k, so that a
 * return scale of 1/(1 − γ) (33 on cart-pole) is not something Adam has to climb to one small
 * step at a time; V itself, what every event records, stays in return units.
 */
export class MlpCritic extends MlpComponent implements Critic {
  readonly role = 'critic' as const;

  constructor(
    name: string,
    obsSize: number,
    hidden: number[],
    rng: SeededRng,
    lr: number,
    private readonly valueScale = 1,
  ) {
    super(name, 'mlp-critic', [obsSize, ...hidden, 1], 'relu', rng, { lr, maxGradNorm: 10 });
  }

  evaluate(states: Tensor): Tensor {
    const out = this.forwardRows(states.data as Float32Array, states.shape[0]!);
    if (this.valueScale !== 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * this.valueScale;
    return f32(out);
  }

  protected loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    return losses.mse(output, this.valueScale === 1 ? targets : tf.div(targets, this.valueScale));
  }
}
