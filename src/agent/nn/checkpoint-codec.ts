import { InvalidInputError } from '../../errors/flightrec-error.js';
import { float32Bytes } from './float32-bytes.js';

/** What a checkpoint blob holds: weights, optionally the optimiser state, and what they belong to. */
export interface Checkpoint {
  /** `Mlp.getParameters()`. */
  parameters: Float32Array;
  /** `AdamTrainer.getState()`, or null for an inference-only checkpoint. */
  optimizerState: Float32Array | null;
  /** `Mlp.architecture`, so that a blob is not loaded into a network of another shape. */
  architecture: string;
}

const MAGIC = [0x46, 0x52, 0x43, 0x4b]; // "FRCK"
const FORMAT = 1;
const FLAG_OPTIMIZER = 1;
const HEADER_BYTES = 20;
const MAX_U32 = 0xffffffff;

/**
 * Binary checkpoint format, version 1 (all integers little-endian):
 *
 *   offset  size  field
 *   0       4     magic "FRCK"
 *   4       1     format version (1)
 *   5       1     flags: bit 0 = optimizer state present; other bits must be 0
 *   6       2     reserved, 0
 *   8       4     u32 architecture length in bytes (UTF-8)
 *   12      4     u32 parameter count
 *   16      4     u32 optimizer state count (0 when absent)
 *   20      ...   architecture, then parameters, then optimizer state (float32 LE)
 *
 * The floats are copied as bits, never as numbers, so NaN payloads and -0 survive. The format is
 * pure bytes with no notion of a store: where and under which hash a blob lives is the caller's.
 */
export const checkpointCodec = {
  /** Serialises `c` into a new byte array. Throws InvalidInputError on non-Float32Array fields. */
  encode(c: Checkpoint): Uint8Array {
    if (!(c.parameters instanceof Float32Array)) throw new InvalidInputError('checkpoint parameters must be a Float32Array');
    if (c.optimizerState !== null && !(c.optimizerState instanceof Float32Array)) {
      throw new InvalidInputError('checkpoint optimizerState must be a Float32Array or null');
    }
    if (typeof c.architecture !== 'string') throw new InvalidInputError('checkpoint architecture must be a string');
    const arch = new TextEncoder().encode(c.architecture);
    const state = c.optimizerState;
    const stateCount = state?.length ?? 0;
    if (arch.length > MAX_U32 || c.parameters.length > MAX_U32 || stateCount > MAX_U32) {
      throw new InvalidInputError('checkpoint too large for format 1');
    }
    const out = new Uint8Array(HEADER_BYTES + arch.length + 4 * (c.parameters.length + stateCount));
    const view = new DataView(out.buffer);
    out.set(MAGIC, 0);
    view.setUint8(4, FORMAT);
    view.setUint8(5, state === null ? 0 : FLAG_OPTIMIZER);
    view.setUint32(8, arch.length, true);
    view.setUint32(12, c.parameters.length, true);
    view.setUint32(16, stateCount, true);
    out.set(arch, HEADER_BYTES);
    let offset = float32Bytes.write(c.parameters, out, HEADER_BYTES + arch.length);
    if (state !== null) offset = float32Bytes.write(state, out, offset);
    return out;
  },

  /**
   * Parses bytes produced by `encode`. Throws InvalidInputError (details.reason) on a wrong magic
   * or format version, unknown flags, a flag/count mismatch, invalid UTF-8, or a length that is
   * not exactly what the header announces (truncated or trailing bytes).
   */
  decode(bytes: Uint8Array): Checkpoint {
    const fail = (reason: string, details: Record<string, unknown> = {}): never => {
      throw new InvalidInputError(`invalid checkpoint: ${reason}`, { reason, ...details });
    };
    if (!(bytes instanceof Uint8Array)) fail('not a byte array');
    if (bytes.length < HEADER_BYTES) fail('truncated header', { length: bytes.length, expected: HEADER_BYTES });
    if (MAGIC.some((b, i) => bytes[i] !== b)) fail('bad magic');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const format = view.getUint8(4);
    if (format !== FORMAT) fail('unsupported format version', { format, supported: [FORMAT] });
    const flags = view.getUint8(5);
    if ((flags & ~FLAG_OPTIMIZER) !== 0 || view.getUint16(6, true) !== 0) fail('unknown flags', { flags });
    const archLength = view.getUint32(8, true);
    const paramCount = view.getUint32(12, true);
    const stateCount = view.getUint32(16, true);
    const hasState = (flags & FLAG_OPTIMIZER) !== 0;
    if (!hasState && stateCount !== 0) fail('optimizer state count without optimizer flag', { stateCount });
    const expected = HEADER_BYTES + archLength + 4 * (paramCount + stateCount);
    if (bytes.length !== expected) {
      fail(bytes.length < expected ? 'truncated' : 'trailing bytes', { length: bytes.length, expected });
    }
    let architecture = '';
    try {
      architecture = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + archLength));
    } catch {
      fail('architecture is not valid UTF-8');
    }
    const paramOffset = HEADER_BYTES + archLength;
    const parameters = float32Bytes.read(bytes, paramOffset, paramCount);
    const optimizerState = hasState ? float32Bytes.read(bytes, paramOffset + 4 * paramCount, stateCount) : null;
    return { parameters, optimizerState, architecture };
  },
};
