import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import { float32Bytes } from './float32-bytes.js';

/** Hidden-layer nonlinearity. */
export type MlpActivation = 'tanh' | 'relu';
/** What the last layer applies to its affine output. */
export type MlpOutputActivation = 'none' | 'tanh' | 'softmax';

/** Options of `Mlp.create`. */
export interface MlpOptions {
  /** Layer widths from input to output, at least two entries, e.g. [4, 64, 64, 5]. */
  sizes: readonly number[];
  activation: MlpActivation;
  /** Defaults to 'none'. */
  outputActivation?: MlpOutputActivation;
  /** Source of the initial weights; it is advanced by exactly one draw per weight. */
  rng: SeededRng;
}

/**
 * A multilayer perceptron over plain `tf.Variable`s. Layers are built by hand rather than with
 * tf.layers so that initialisation (drawn from a recordable SeededRng, not tf's RNG), parameter
 * order and serialisation are fully ours, which is what makes versions and replays exact.
 *
 * Parameter order, used by `variables`, `getParameters`, `setParameters` and the optimiser state:
 * for each layer l = 0..L-1, the weight matrix W_l of shape [sizes[l], sizes[l+1]] in row-major
 * order (input index major), then the bias b_l of length sizes[l+1].
 */
export class Mlp {
  /** Layer widths, input first. */
  readonly sizes: readonly number[];
  readonly activation: MlpActivation;
  readonly outputActivation: MlpOutputActivation;
  /** Canonical description hashed into `version()`; two Mlps with equal strings are interchangeable. */
  readonly architecture: string;
  /** The trainable variables in parameter order [W0, b0, W1, b1, ...]. Owned by this Mlp. */
  readonly variables: readonly tf.Variable[];
  /** Total number of scalar parameters. */
  readonly parameterCount: number;

  private constructor(options: Required<Omit<MlpOptions, 'rng'>>, variables: tf.Variable[]) {
    this.sizes = Object.freeze([...options.sizes]);
    this.activation = options.activation;
    this.outputActivation = options.outputActivation;
    this.architecture = `mlp[${this.sizes.join('-')}] act=${this.activation} out=${this.outputActivation} dtype=float32`;
    this.variables = Object.freeze(variables);
    this.parameterCount = variables.reduce((n, v) => n + v.size, 0);
  }

  /**
   * A new Mlp whose weights are drawn from `rng` in parameter order: Glorot-uniform for layers
   * followed by tanh and for the output layer, He-uniform for layers followed by relu; biases
   * start at zero. Equal options and equal rng states give bit-identical parameters on any backend,
   * because the numbers are computed in JS and only then uploaded.
   * Throws InvalidInputError on invalid sizes or activations.
   */
  static create(options: MlpOptions): Mlp {
    const { sizes, activation, rng } = options;
    const outputActivation = options.outputActivation ?? 'none';
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new InvalidInputError('Mlp sizes must be at least two positive integers', { sizes });
    }
    if (activation !== 'tanh' && activation !== 'relu') {
      throw new InvalidInputError(`unknown Mlp activation '${String(activation)}'`, { activation });
    }
    if (!['none', 'tanh', 'softmax'].includes(outputActivation)) {
      throw new InvalidInputError(`unknown Mlp output activation '${String(outputActivation)}'`, { outputActivation });
    }
    const variables: tf.Variable[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const isOutput = l + 2 === sizes.length;
      const limit = !isOutput && activation === 'relu' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * limit;
      // Variables keep tf's auto-generated unique names: tfjs keeps a global registry of names,
      // and fixed names would collide as soon as two Mlps exist.
      variables.push(upload(w, [fanIn, fanOut]), upload(new Float32Array(fanOut), [fanOut]));
    }
    return new Mlp({ sizes, activation, outputActivation }, variables);
  }

  /**
   * Output for a batch x of shape [rows, sizes[0]], shape [rows, sizes.at(-1)], with the output
   * activation applied. Creates intermediate tensors and does not dispose them, so that it can
   * run under `tf.variableGrads`: callers wrap it in `tf.tidy` (or use `predict`).
   * Throws InvalidInputError if x has the wrong shape.
   */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    const z = this.logits(x);
    switch (this.outputActivation) {
      case 'none':
        return z;
      case 'tanh':
        return tf.tanh(z);
      case 'softmax':
        return tf.softmax(z);
    }
  }

  /**
   * The last layer's affine output before the output activation (the logits when the output is
   * softmax), for numerically stable losses such as `losses.crossEntropyWithLogits`.
   * Same shape check and tidy contract as `forward`.
   */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    const inputs = this.sizes[0]!;
    if (x.rank !== 2 || x.shape[1] !== inputs) {
      throw new InvalidInputError(`Mlp input must have shape [rows, ${inputs}], got [${x.shape.join(', ')}]`, {
        expected: [null, inputs],
        received: x.shape,
      });
    }
    let h: tf.Tensor2D = x;
    const layers = this.variables.length / 2;
    for (let l = 0; l < layers; l++) {
      const w = this.variables[2 * l] as tf.Variable<tf.Rank.R2>;
      const b = this.variables[2 * l + 1] as tf.Variable<tf.Rank.R1>;
      const hidden = l + 1 < layers;
      // One fused kernel for matmul + bias (+ relu) is markedly faster on wasm; tanh has no fused
      // gradient in tfjs, so it is applied as a separate op.
      const fusedRelu = hidden && this.activation === 'relu';
      h = tf.fused.matMul({ a: h, b: w, bias: b, activation: fusedRelu ? 'relu' : 'linear' }) as tf.Tensor2D;
      if (hidden && !fusedRelu) h = tf.tanh(h);
    }
    return h;
  }

  /**
   * `forward` on a row-major Float32Array of `rows × sizes[0]` values; returns a fresh row-major
   * Float32Array of `rows × sizes.at(-1)` values. Leaves no tensors behind.
   * Throws InvalidInputError if x.length does not match rows.
   */
  predict(x: Float32Array, rows: number): Float32Array {
    const inputs = this.sizes[0]!;
    if (!Number.isInteger(rows) || rows < 0 || x.length !== rows * inputs) {
      throw new InvalidInputError(`predict expects rows × ${inputs} values`, {
        rows,
        expected: rows * inputs,
        received: x.length,
      });
    }
    return tf.tidy(() => this.forward(tf.tensor2d(x, [rows, inputs])).dataSync() as Float32Array);
  }

  /** A fresh copy of all parameters, concatenated in parameter order (see class comment). */
  getParameters(): Float32Array {
    const out = new Float32Array(this.parameterCount);
    let offset = 0;
    for (const v of this.variables) {
      out.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    return out;
  }

  /**
   * Overwrites all parameters from `p` in parameter order, bit for bit. Throws InvalidInputError
   * (details.expected / details.received) unless p is a Float32Array of exactly `parameterCount`.
   */
  setParameters(p: Float32Array): void {
    if (!(p instanceof Float32Array) || p.length !== this.parameterCount) {
      const received = p instanceof Float32Array ? p.length : p;
      throw new InvalidInputError(
        `expected ${this.parameterCount} float32 parameters for ${this.architecture}, received ${p instanceof Float32Array ? p.length : typeof p}`,
        { expected: this.parameterCount, received, architecture: this.architecture },
      );
    }
    let offset = 0;
    tf.tidy(() => {
      for (const v of this.variables) {
        // slice, because the cpu backend keeps the typed array it is given by reference and a
        // caller reusing `p` would otherwise rewrite the weights. assign shares the uploaded
        // buffer, so tidy disposing the temporary does not free the variable's data.
        v.assign(tf.tensor(p.slice(offset, offset + v.size), v.shape, 'float32'));
        offset += v.size;
      }
    });
  }

  /**
   * Content hash identifying these exact parameters under this architecture: the first 16 hex
   * digits of sha256(architecture, NUL, parameters as little-endian float32). Equal for equal
   * parameter bits (so runs sharing a checkpoint share a version), different after any bit changes,
   * including +0 → -0 and between NaN payloads.
   */
  version(): string {
    return createHash('sha256')
      .update(this.architecture, 'utf8')
      .update(new Uint8Array([0]))
      .update(float32Bytes.encode(this.getParameters()))
      .digest('hex')
      .slice(0, 16);
  }

  /** Frees the variables; the Mlp must not be used afterwards. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function upload(values: Float32Array, shape: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
}
