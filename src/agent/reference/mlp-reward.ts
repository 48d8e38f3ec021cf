import type * as tf from '@tensorflow/tfjs';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { losses } from '../nn/losses.js';
import type { RewardFunction } from '../components.js';
import { MlpComponent, stateActionRows } from './mlp-component.js';

/** r̂(s, a): the reward model the planner scores imagined steps with, regressed on observed rewards. */
export class MlpReward extends MlpComponent implements RewardFunction {
  readonly role = 'reward' as const;

  constructor(name: string, obsSize: number, readonly actionCount: number, hidden: number[], rng: SeededRng, lr: number) {
    super(name, 'mlp-reward', [obsSize + actionCount, ...hidden, 1], 'relu', rng, { lr, maxGradNorm: 10 });
  }

  evaluate(states: Tensor, actions: Tensor): Tensor {
    return f32(this.forwardRows(stateActionRows(states, actions, this.actionCount), states.shape[0]!));
  }

  protected loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    return losses.mse(output, targets);
  }
}
