import fc from 'fast-check';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeValue, encodeValue, PayloadCodecError } from '../../src/events/payload-codec.js';
import { TensorCodecError, tensorBytes, tensorFromBytes } from '../../src/events/tensor-codec.js';
import { DTYPE_SIZE, isTensor, MAX_TENSOR_ELEMENTS, type Dtype, type Tensor } from '../../src/events/tensor.js';

const RUNS_PER_DTYPE = 1000;
const DTYPES: Dtype[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];
const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array } as const;

const bytesOf = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** float32 bit patterns: quiet/signalling NaNs with payloads and both signs, ±Infinity, ±0, subnormals, extremes. */
const F32_SPECIAL = [
  0x7fc00000, 0xffc00000, 0x7fc00001, 0xffc12345, 0x7f800001, 0xff800001, 0x7fbfffff, 0x7fffffff, 0xffffffff, 0x7f800000, 0xff800000,
  0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
];
const F64_SPECIAL = [
  0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff8000000000001n, 0xfff0000000000001n, 0x7ff0000000000001n, 0x7ff7ffffffffffffn, 0x7fffffffffffffffn,
  0xffffffffffffffffn, 0x7ff0000000000000n, 0xfff0000000000000n, 0x0000000000000000n, 0x8000000000000000n, 0x0000000000000001n,
  0x8000000000000001n, 0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0x3ff0000000000000n,
];

const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 });

/** Raw bytes of `n` elements of a dtype, built from bit patterns so non-canonical NaNs survive generation. */
function elementBytes(dtype: Dtype, n: number): fc.Arbitrary<Uint8Array> {
  switch (dtype) {
    case 'float32': {
      const bits = fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...F32_SPECIAL) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
        { weight: 1, arbitrary: fc.float().map((x) => new Uint32Array(Float32Array.of(x).buffer)[0]!) },
      );
      return fc.array(bits, { minLength: n, maxLength: n }).map((a) => new Uint8Array(Uint32Array.from(a).buffer));
    }
    case 'float64': {
      const bits = fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...F64_SPECIAL) },
        { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
        { weight: 1, arbitrary: fc.double().map((x) => new BigUint64Array(Float64Array.of(x).buffer)[0]!) },
      );
      return fc.array(bits, { minLength: n, maxLength: n }).map((a) => new Uint8Array(BigUint64Array.from(a).buffer));
    }
    case 'int32':
      return fc
        .array(fc.oneof(fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { minLength: n, maxLength: n })
        .map((a) => new Uint8Array(Int32Array.from(a).buffer));
    case 'uint8':
      return fc.uint8Array({ minLength: n, maxLength: n });
    case 'bool':
      return fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a));
  }
}

/**
 * A tensor of a dtype with an arbitrary small shape, whose typed array is a view at an offset
 * into a larger buffer filled with junk (so a codec that reads the whole buffer is caught).
 */
function tensorArb(dtype: Dtype): fc.Arbitrary<Tensor> {
  return shapeArb.chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.tuple(elementBytes(dtype, n), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([bytes, before, after]) => {
      const size = DTYPE_SIZE[dtype];
      const host = new Uint8Array((before + n + after) * size).fill(0xa5);
      host.set(bytes, before * size);
      const data = new CTOR[dtype](host.buffer, before * size, n);
      return { dtype, shape, data } as Tensor;
    });
  });
}

function assertSameTensor(back: unknown, t: Tensor): void {
  assert.ok(isTensor(back), 'decoded value is a tensor');
  assert.equal(back.dtype, t.dtype);
  assert.deepEqual(back.shape, t.shape);
  assert.ok(back.data instanceof CTOR[t.dtype], `data is a ${CTOR[t.dtype].name}`);
  assert.equal(back.data.length, t.data.length);
  assert.ok(bytesOf(back).equals(bytesOf(t)), 'every byte preserved');
}

/** An in-memory blob table with the contract of DecodeOptions.getBlob (throws when missing). */
function blobMap() {
  const blobs = new Map<string, Uint8Array>();
  return {
    blobs,
    putBlob: (hash: Uint8Array, bytes: Uint8Array) => {
      assert.equal(Buffer.from(hash).toString('hex'), createHash('sha256').update(bytes).digest('hex'), 'blob key is the sha256 of its bytes');
      blobs.set(Buffer.from(hash).toString('hex'), bytes.slice());
    },
    getBlob: (hash: Uint8Array) => {
      const b = blobs.get(Buffer.from(hash).toString('hex'));
      if (b === undefined) throw new PayloadCodecError('blob missing');
      return b;
    },
  };
}

describe('tensor round trip through the payload codec', () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: inline encoding preserves every byte, the shape and the array type (${RUNS_PER_DTYPE} cases)`, () => {
      fc.assert(
        fc.property(tensorArb(dtype), (t) => {
          const expected = Buffer.from(bytesOf(t));
          const encoded = encodeValue(t);
          const back = decodeValue(encoded);
          assertSameTensor(back, t);
          // Inside a payload object too, next to other values.
          const nested = decodeValue(encodeValue({ z: t, a: [t, null] })) as { z: unknown; a: unknown[] };
          assertSameTensor(nested.z, t);
          assertSameTensor(nested.a[0], t);
          // The decoded tensor owns its bytes: scribbling on the encoding does not reach it.
          encoded.fill(0xff);
          assert.ok(bytesOf(back as Tensor).equals(expected));
          assert.ok(bytesOf(t).equals(expected), 'encoding does not modify the input');
        }),
        { numRuns: RUNS_PER_DTYPE },
      );
    });

    it(`${dtype}: blob encoding (blobThreshold 0) preserves every byte and stores the bytes once by sha256 (${RUNS_PER_DTYPE} cases)`, () => {
      fc.assert(
        fc.property(tensorArb(dtype), (t) => {
          const m = blobMap();
          const encoded = encodeValue({ a: t, b: t }, { blobThreshold: 0, putBlob: m.putBlob });
          const nbytes = t.data.byteLength;
          // Empty tensors stay inline (0 bytes is not above the threshold); others become one shared blob.
          assert.equal(m.blobs.size, nbytes > 0 ? 1 : 0);
          if (nbytes > 0) {
            assert.ok([...m.blobs.values()][0]!.length === nbytes);
            assert.ok(Buffer.from([...m.blobs.values()][0]!).equals(bytesOf(t)));
          }
          const back = decodeValue(encoded, { getBlob: m.getBlob }) as { a: unknown; b: unknown };
          assertSameTensor(back.a, t);
          assertSameTensor(back.b, t);
          if (nbytes > 0) {
            // Without a blob store the reference cannot be resolved, and says so.
            assert.throws(() => decodeValue(encoded), (e: unknown) => e instanceof PayloadCodecError && /blob/.test(e.message));
          }
        }),
        { numRuns: RUNS_PER_DTYPE },
      );
    });
  }

  it('keeps NaN payload bits, -0 and subnormals of every special pattern, element by element', () => {
    const f32 = new Float32Array(Uint32Array.from(F32_SPECIAL).buffer);
    const f64 = new Float64Array(BigUint64Array.from(F64_SPECIAL).buffer);
    for (const t of [
      { dtype: 'float32', shape: [f32.length], data: f32 },
      { dtype: 'float64', shape: [f64.length], data: f64 },
    ] as Tensor[]) {
      const back = decodeValue(encodeValue(t)) as Tensor;
      assert.ok(bytesOf(back).equals(bytesOf(t)));
    }
    const back32 = new Uint32Array((decodeValue(encodeValue({ dtype: 'float32', shape: [f32.length], data: f32 })) as Tensor).data.buffer);
    assert.equal(back32[3], 0xffc12345, 'a negative NaN with payload keeps its bits');
  });
});

describe('tensorFromBytes rejections', () => {
  const rejects = (fn: () => unknown, ...mustMention: string[]) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof TensorCodecError, `TensorCodecError, got ${String(e)}`);
      assert.equal(e.code, 'INVALID_TENSOR');
      for (const m of mustMention) assert.ok(e.message.includes(m), `message ${JSON.stringify(e.message)} mentions ${m}`);
      return true;
    });

  it('rejects a byte length that does not match dtype and shape, naming both lengths', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DTYPES), shapeArb, fc.integer({ min: 0, max: 3000 }), (dtype, shape, len) => {
        const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype];
        fc.pre(len !== expected);
        rejects(() => tensorFromBytes(dtype, shape, new Uint8Array(len)), String(len), String(expected), dtype);
      }),
      { numRuns: 500 },
    );
    // Exactly the right length is accepted, including an empty tensor.
    assert.equal(tensorFromBytes('float64', [2, 0], new Uint8Array(0)).data.length, 0);
    assert.equal(tensorFromBytes('int32', [], new Uint8Array(4)).data.length, 1);
  });

  it('rejects negative, fractional, NaN and infinite dimensions, naming the dimension and value', () => {
    rejects(() => tensorFromBytes('float32', [2, -1], new Uint8Array(0)), 'dimension 1', '-1');
    rejects(() => tensorFromBytes('float32', [1.5], new Uint8Array(6)), 'dimension 0', '1.5');
    rejects(() => tensorFromBytes('float32', [Number.NaN], new Uint8Array(0)), 'dimension 0', 'NaN');
    rejects(() => tensorFromBytes('uint8', [3, Number.POSITIVE_INFINITY], new Uint8Array(0)), 'dimension 1', 'Infinity');
  });

  it('rejects element-count overflow without trying to allocate', () => {
    rejects(() => tensorFromBytes('float32', [2 ** 20, 2 ** 20], new Uint8Array(0)), '1048576', String(MAX_TENSOR_ELEMENTS));
    rejects(() => tensorFromBytes('uint8', [2 ** 14, 2 ** 14, 2], new Uint8Array(0)), String(MAX_TENSOR_ELEMENTS));
    // The limit itself is an exact boundary: 2^28 elements is a valid shape, one more row is not.
    rejects(() => tensorFromBytes('uint8', [2 ** 28 + 1], new Uint8Array(0)), String(2 ** 28 + 1));
    rejects(() => tensorFromBytes('uint8', [2 ** 28], new Uint8Array(1)), 'does not match', String(2 ** 28));
  });

  it('rejects an unknown dtype, naming it', () => {
    rejects(() => tensorFromBytes('float16' as Dtype, [2], new Uint8Array(4)), 'float16');
    rejects(() => tensorFromBytes('constructor' as Dtype, [1], new Uint8Array(1)), 'constructor');
  });

  it('rejects bool elements other than 0 and 1, naming the element', () => {
    rejects(() => tensorFromBytes('bool', [3], Uint8Array.of(1, 0, 2)), 'element 2', 'is 2');
  });

  it('copies the bytes: the tensor never aliases its source buffer', () => {
    const src = Uint8Array.of(1, 2, 3, 4);
    const t = tensorFromBytes('uint8', [4], src);
    src[0] = 99;
    assert.equal(t.data[0], 1);
    assert.deepEqual([...tensorBytes(t)], [1, 2, 3, 4]);
  });
});

describe('decodeValue on malformed bytes', () => {
  const isCodecError = (e: unknown) => e instanceof PayloadCodecError || e instanceof TensorCodecError;
  const decodeOrCodecError = (bytes: Uint8Array) => {
    try {
      decodeValue(bytes);
    } catch (e) {
      if (!isCodecError(e)) throw new Error(`decodeValue threw ${String(e)} on [${[...bytes].join(',')}]`);
    }
  };

  it('random bytes either decode or throw a codec error, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), decodeOrCodecError), { numRuns: 3000 });
    // Starting with a valid tag reaches far deeper into the decoder.
    const tagged = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 96 })).map(([tag, b, rest]) => Uint8Array.of(tag, b, ...rest));
    fc.assert(fc.property(tagged, decodeOrCodecError), { numRuns: 5000 });
  });

  const payloadArb = fc.record({
    x: tensorArb('float32'),
    y: fc.oneof(tensorArb('bool'), tensorArb('int32')),
    s: fc.string(),
    n: fc.oneof(fc.integer(), fc.double()),
    l: fc.array(fc.oneof(fc.boolean(), fc.constant(null), fc.string()), { maxLength: 4 }),
  });

  it('every strict prefix of a valid encoding is rejected with a codec error', () => {
    fc.assert(
      fc.property(payloadArb, (p) => {
        const full = encodeValue(p);
        decodeValue(full);
        for (let len = 0; len < full.length; len++) {
          assert.throws(() => decodeValue(full.subarray(0, len)), isCodecError, `prefix of ${len}/${full.length} bytes`);
        }
        // And trailing bytes after a complete value are rejected too.
        const padded = new Uint8Array(full.length + 1);
        padded.set(full);
        assert.throws(() => decodeValue(padded), (e: unknown) => e instanceof PayloadCodecError && /trailing/.test(e.message));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid encoding with one byte changed either decodes or throws a codec error', () => {
    fc.assert(
      fc.property(payloadArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (p, at, mask) => {
        const bytes = encodeValue(p).slice();
        bytes[at % bytes.length]! ^= mask;
        decodeOrCodecError(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('blob references on malformed bytes stay codec errors when no blob store is given', () => {
    const m = blobMap();
    const enc = encodeValue({ dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 2, 3) } as Tensor, { blobThreshold: 0, putBlob: m.putBlob });
    assert.equal(enc[0], 9, 'blob tag');
    assert.throws(() => decodeValue(enc), PayloadCodecError);
    assert.throws(() => decodeValue(enc.subarray(0, enc.length - 1), { getBlob: m.getBlob }), PayloadCodecError);
  });
});
