import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import type { Mlp } from './mlp.js';

/** Adam hyperparameters. They are configuration, not state: `getState` does not include them. */
export interface AdamOptions {
  /** Learning rate, > 0. */
  lr: number;
  /** First-moment decay in [0, 1); default 0.9. */
  beta1?: number;
  /** Second-moment decay in [0, 1); default 0.999. */
  beta2?: number;
  /** Denominator offset, > 0; default 1e-8. */
  eps?: number;
  /** When set (> 0), gradients are rescaled so that their global L2 norm is at most this. */
  maxGradNorm?: number;
}

/** Outcome of one `AdamTrainer.step`. */
export interface AdamStepResult {
  /** The loss before the update. */
  loss: number;
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: number;
}

/** Layout version written as the first value of `getState()`. */
const STATE_LAYOUT = 1;
const HEADER = 3;
// The step count is split in two so that each half is an integer below 2^24 and therefore exact
// as a float32 *value*: the state survives copies through JS numbers, not only byte copies.
const STEP_SPLIT = 65536;

/**
 * Adam over an Mlp's variables, written with plain tf ops instead of tf.train.adam because its
 * moments must be serialised and restored exactly. Given equal parameters, equal `getState()` and
 * equal batches, `step` produces bit-identical parameters on the same numeric backend: every op is
 * a fixed sequence of deterministic kernels, and the only JS-side numbers (bias corrections and the
 * clip factor) are computed from the restored step count and the read-back norm.
 *
 * Non-finite gradients are applied like any other (as in PyTorch): the resulting NaN weights are
 * what the recorder is there to show, so they are not hidden by skipping the update.
 */
export class AdamTrainer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly maxGradNorm: number | undefined;
  private readonly mlp: Mlp;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  /** Throws InvalidInputError on out-of-range hyperparameters. Moments start at zero, step at 0. */
  constructor(mlp: Mlp, options: AdamOptions) {
    const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, maxGradNorm } = options;
    const bad = (name: string, value: unknown, rule: string): never => {
      throw new InvalidInputError(`Adam ${name} must be ${rule}, got ${String(value)}`, { [name]: value });
    };
    if (!(lr > 0 && Number.isFinite(lr))) bad('lr', lr, 'a finite number > 0');
    if (!(beta1 >= 0 && beta1 < 1)) bad('beta1', beta1, 'in [0, 1)');
    if (!(beta2 >= 0 && beta2 < 1)) bad('beta2', beta2, 'in [0, 1)');
    if (!(eps > 0 && Number.isFinite(eps))) bad('eps', eps, 'a finite number > 0');
    if (maxGradNorm !== undefined && !(maxGradNorm > 0)) bad('maxGradNorm', maxGradNorm, '> 0');
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.maxGradNorm = maxGradNorm;
    this.mlp = mlp;
    this.m = mlp.variables.map((p) => tf.tidy(() => tf.variable(tf.zeros(p.shape), false)));
    this.v = mlp.variables.map((p) => tf.tidy(() => tf.variable(tf.zeros(p.shape), false)));
  }

  /** Number of updates applied so far (restored by `setState`). */
  get stepCount(): number {
    return this.t;
  }

  /**
   * One Adam update on the Mlp's variables, in place. `lossFn` must build a scalar loss from the
   * Mlp's current variables (e.g. `() => losses.mse(mlp.forward(x), y)`); the tensors it creates
   * and the gradients are disposed here, so the trainer leaves the tensor count unchanged.
   * Reads two scalars back (loss and gradient norm), so each step waits for the backend.
   */
  step(lossFn: () => tf.Scalar): AdamStepResult {
    const params = this.mlp.variables;
    const { value, grads } = tf.variableGrads(lossFn, params as tf.Variable[]);
    try {
      const g = params.map((p) => {
        const grad = grads[p.name];
        if (grad === undefined) throw new InvalidInputError(`loss does not depend on parameter ${p.name}`, { parameter: p.name });
        return grad;
      });
      const [loss, gradNorm] = tf.tidy(() => {
        const sq = tf.addN(g.map((x) => tf.sum(tf.square(x))));
        return [value.dataSync()[0]!, tf.sqrt(sq).dataSync()[0]!];
      });
      // The clip factor is computed in JS double and rounded once to float32 by tf.scalar, the
      // same way on every run, so clipping does not add backend-dependent rounding.
      const clip = this.maxGradNorm !== undefined && gradNorm > this.maxGradNorm ? this.maxGradNorm / gradNorm : 1;
      this.t += 1;
      const stepSize = this.lr / (1 - Math.pow(this.beta1, this.t));
      const secondCorrection = 1 - Math.pow(this.beta2, this.t);
      tf.tidy(() => {
        const b1 = tf.scalar(this.beta1);
        const b1c = tf.scalar(1 - this.beta1);
        const b2 = tf.scalar(this.beta2);
        const b2c = tf.scalar(1 - this.beta2);
        const scale = tf.scalar(clip);
        const lrHat = tf.scalar(stepSize);
        const vHatDiv = tf.scalar(secondCorrection);
        const eps = tf.scalar(this.eps);
        for (let i = 0; i < params.length; i++) {
          const gi = clip === 1 ? g[i]! : tf.mul(g[i]!, scale);
          const m = tf.add(tf.mul(b1, this.m[i]!), tf.mul(b1c, gi));
          const v = tf.add(tf.mul(b2, this.v[i]!), tf.mul(b2c, tf.square(gi)));
          // p ← p − lr/(1−β1ᵗ) · m / (sqrt(v/(1−β2ᵗ)) + ε): the usual bias-corrected form.
          const update = tf.div(tf.mul(lrHat, m), tf.add(tf.sqrt(tf.div(v, vHatDiv)), eps));
          this.m[i]!.assign(m);
          this.v[i]!.assign(v);
          params[i]!.assign(tf.sub(params[i]!, update));
        }
      });
      return { loss, gradNorm };
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  /**
   * The optimiser state as one Float32Array, layout version 1:
   * [1, floor(t / 65536), t mod 65536, m (parameterCount values), v (parameterCount values)],
   * with m and v in the Mlp's parameter order. Length 3 + 2 · parameterCount.
   */
  getState(): Float32Array {
    const n = this.mlp.parameterCount;
    const out = new Float32Array(HEADER + 2 * n);
    out[0] = STATE_LAYOUT;
    out[1] = Math.floor(this.t / STEP_SPLIT);
    out[2] = this.t % STEP_SPLIT;
    let offset = HEADER;
    for (const moments of [this.m, this.v]) {
      for (const x of moments) {
        out.set(x.dataSync() as Float32Array, offset);
        offset += x.size;
      }
    }
    return out;
  }

  /**
   * Restores a `getState()` result bit for bit (moments and step count). Throws InvalidInputError
   * on a wrong length (details.expected / details.received), an unknown layout version or an
   * invalid step count.
   */
  setState(s: Float32Array): void {
    const n = this.mlp.parameterCount;
    const expected = HEADER + 2 * n;
    if (!(s instanceof Float32Array) || s.length !== expected) {
      const received = s instanceof Float32Array ? s.length : typeof s;
      throw new InvalidInputError(`expected an Adam state of ${expected} float32 values, received ${received}`, { expected, received });
    }
    if (s[0] !== STATE_LAYOUT) {
      throw new InvalidInputError(`unknown Adam state layout ${s[0]}`, { layout: s[0], supported: [STATE_LAYOUT] });
    }
    const hi = s[1]!;
    const lo = s[2]!;
    if (!Number.isInteger(hi) || hi < 0 || !Number.isInteger(lo) || lo < 0 || lo >= STEP_SPLIT) {
      throw new InvalidInputError('invalid step count in Adam state', { high: hi, low: lo });
    }
    let offset = HEADER;
    tf.tidy(() => {
      for (const moments of [this.m, this.v]) {
        for (const x of moments) {
          x.assign(tf.tensor(s.slice(offset, offset + x.size), x.shape, 'float32'));
          offset += x.size;
        }
      }
    });
    this.t = hi * STEP_SPLIT + lo;
  }

  /** Frees the moment variables (not the Mlp's). */
  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
