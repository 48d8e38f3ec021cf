// Hashes and checkpoints must not depend on the machine that wrote them, so float32 data is always
// serialised little-endian. On little-endian hosts (every platform Node ships for today) that is
// the in-memory layout and costs one memcpy; the DataView path keeps big-endian hosts correct.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian float32 (de)serialisation that preserves every bit, NaN payloads and -0 included. */
export const float32Bytes = {
  /** Writes `values` as little-endian float32 into `out` at byte `offset`; returns the end offset. */
  write(values: Float32Array, out: Uint8Array, offset: number): number {
    const n = values.length * 4;
    if (HOST_IS_LITTLE_ENDIAN) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, n), offset);
    } else {
      // Reading through Uint32Array rather than as numbers: a float's NaN payload is not
      // guaranteed to survive a trip through a JS number.
      const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
      const view = new DataView(out.buffer, out.byteOffset + offset, n);
      for (let i = 0; i < bits.length; i++) view.setUint32(i * 4, bits[i]!, true);
    }
    return offset + n;
  },

  /** A fresh Float32Array of `count` values read little-endian from `bytes` at byte `offset`. */
  read(bytes: Uint8Array, offset: number, count: number): Float32Array {
    const out = new Float32Array(count);
    if (HOST_IS_LITTLE_ENDIAN) {
      new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
    } else {
      const bits = new Uint32Array(out.buffer);
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
      for (let i = 0; i < count; i++) bits[i] = view.getUint32(i * 4, true);
    }
    return out;
  },

  /** `values` as a standalone little-endian byte array. */
  encode(values: Float32Array): Uint8Array {
    const out = new Uint8Array(values.length * 4);
    float32Bytes.write(values, out, 0);
    return out;
  },
};
