import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import type { Role } from '../../events/event-type.js';
import { f32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { AdamTrainer, type AdamOptions } from '../nn/adam-trainer.js';
import { Mlp, type MlpActivation } from '../nn/mlp.js';
import type { ComponentCheckpoint } from '../components.js';
import type { RecordedUpdate } from '../trainable.js';

/** One optimiser step's data: row-major inputs [rows, in] and targets [rows, out]. */
export interface TrainingBatch {
  rows: number;
  inputs: Float32Array;
  targets: Float32Array;
}

export interface TrainResult {
  fromVersion: string;
  toVersion: string;
  loss: number;
  gradNorm: number;
}

/**
 * A component backed by one Mlp and its Adam state. The version is the Mlp's content hash,
 * cached until the parameters change. `train` is deterministic given (parameters, optimiser
 * state, batch), which is what lets replay rebuild any version from a checkpoint plus the
 * recorded batches.
 */
export abstract class MlpComponent {
  abstract readonly role: Role;
  protected readonly mlp: Mlp;
  private readonly trainer: AdamTrainer;
  private cachedVersion: string | null = null;

  constructor(
    readonly name: string,
    readonly kind: string,
    sizes: number[],
    activation: MlpActivation,
    rng: SeededRng,
    adam: AdamOptions,
  ) {
    this.mlp = Mlp.create({ sizes, activation, outputActivation: 'none', rng });
    this.trainer = new AdamTrainer(this.mlp, adam);
  }

  get inputSize(): number {
    return this.mlp.sizes[0]!;
  }

  get outputSize(): number {
    return this.mlp.sizes[this.mlp.sizes.length - 1]!;
  }

  /** Width of one training target row; the network's output width unless the loss reads targets of another shape. */
  get targetSize(): number {
    return this.outputSize;
  }

  /** Number of updates applied since creation (restored with checkpoints). */
  get updates(): number {
    return this.trainer.stepCount;
  }

  version(): string {
    this.cachedVersion ??= this.mlp.version();
    return this.cachedVersion;
  }

  /** Raw network output [rows, out] for row-major inputs. */
  protected forwardRows(inputs: Float32Array, rows: number): Float32Array {
    return this.mlp.predict(inputs, rows);
  }

  /** The loss this component minimises, from network output and targets. */
  protected abstract loss(output: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar;

  /** One Adam step on the batch. */
  train(batch: TrainingBatch): TrainResult {
    const inSize = this.inputSize;
    const outSize = this.targetSize;
    if (batch.inputs.length !== batch.rows * inSize || batch.targets.length !== batch.rows * outSize) {
      throw new InvalidInputError(`${this.name}: batch of ${batch.rows} rows needs ${batch.rows * inSize} inputs and ${batch.rows * outSize} targets, got ${batch.inputs.length} and ${batch.targets.length}`, {
        component: this.name,
      });
    }
    const fromVersion = this.version();
    const x = tf.tensor2d(batch.inputs, [batch.rows, inSize]);
    const y = tf.tensor2d(batch.targets, [batch.rows, outSize]);
    try {
      const r = this.trainer.step(() => this.loss(this.mlp.forward(x), y));
      this.cachedVersion = null;
      return { fromVersion, toVersion: this.version(), loss: r.loss, gradNorm: r.gradNorm };
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  /** Trainable: the recorded step again, on the batch tensors `inputs` and `targets` it recorded. */
  applyUpdate(update: RecordedUpdate): void {
    const { inputs, targets } = update.batch.tensors;
    if (inputs === undefined || targets === undefined) {
      throw new InvalidInputError(`update ${update.index} of ${this.name} (seq ${update.seq}) carries no inputs/targets tensors`, { component: this.name, seq: update.seq });
    }
    this.train({ rows: inputs.shape[0]!, inputs: inputs.data as Float32Array, targets: targets.data as Float32Array });
  }

  saveCheckpoint(): ComponentCheckpoint {
    return { architecture: this.mlp.architecture, parameters: this.mlp.getParameters(), optimizerState: this.trainer.getState() };
  }

  loadCheckpoint(c: ComponentCheckpoint): void {
    if (c.architecture !== this.mlp.architecture) {
      throw new InvalidInputError(`${this.name}: checkpoint architecture ${c.architecture} does not match ${this.mlp.architecture}`, { component: this.name, architecture: c.architecture });
    }
    this.mlp.setParameters(c.parameters);
    if (c.optimizerState !== null) this.trainer.setState(c.optimizerState);
    this.cachedVersion = null;
  }

  dispose(): void {
    this.mlp.dispose();
    this.trainer.dispose();
  }
}

/**
 * Row-major [N, obs + A] inputs: each state followed by its action, one-hot for int32 [N] ids or
 * as given for float32 [N, A] continuous actions.
 */
export function stateActionRows(states: Tensor, actions: Tensor, actionCount: number): Float32Array {
  const n = states.shape[0]!;
  const obs = states.shape[1]!;
  const out = new Float32Array(n * (obs + actionCount));
  if (actions.dtype === 'float32') {
    if (actions.shape.length !== 2 || actions.shape[0] !== n || actions.shape[1] !== actionCount) {
      throw new InvalidInputError(`continuous actions must be float32 [${n}, ${actionCount}], got [${actions.shape.join(', ')}]`, { field: 'actions.shape', value: actions.shape });
    }
    for (let i = 0; i < n; i++) {
      out.set(states.data.subarray(i * obs, (i + 1) * obs), i * (obs + actionCount));
      out.set(actions.data.subarray(i * actionCount, (i + 1) * actionCount), i * (obs + actionCount) + obs);
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    out.set(states.data.subarray(i * obs, (i + 1) * obs), i * (obs + actionCount));
    const a = actions.data[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= actionCount) throw new InvalidInputError(`action ${a} at row ${i} is outside [0, ${actionCount})`, { field: `actions[${i}]`, value: a });
    out[i * (obs + actionCount) + obs + a] = 1;
  }
  return out;
}

/** Column `col` of a row-major [rows, cols] array, as a float32 [rows] tensor. */
export function column(data: Float32Array, rows: number, cols: number, col: number): Tensor {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = data[i * cols + col]!;
  return f32(out);
}
