import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PayloadView } from '../../src/diff/payload-view.js';
import { firstDifference } from '../../src/diff/value-difference.js';
import { decodeValue, encodeValue } from '../../src/events/payload-codec.js';
import { f32, f64, i32, u8 } from '../../src/events/tensor.js';

/** Encodes with tensors over 16 bytes in a blob table, as the recorder does (with a lower threshold). */
function encodeWithBlobs(value: unknown): { bytes: Buffer; getBlob: (h: Uint8Array) => Uint8Array } {
  const blobs = new Map<string, Uint8Array>();
  const bytes = encodeValue(value, { blobThreshold: 16, putBlob: (h, b) => void blobs.set(Buffer.from(h).toString('hex'), b.slice()) });
  return { bytes: Buffer.from(bytes), getBlob: (h) => blobs.get(Buffer.from(h).toString('hex'))! };
}

const tensor = fc.oneof(
  fc.array(fc.float({ noDefaultInfinity: false }), { maxLength: 12 }).map((xs) => f32(xs)),
  fc.array(fc.double(), { maxLength: 6 }).map((xs) => f64(xs, [xs.length, 1])),
  fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 9 }).map((xs) => i32(xs)),
  fc.uint8Array({ maxLength: 40 }).map((xs) => u8(xs, [1, xs.length])),
);
// The codec refuses `__proto__` keys (they cannot round-trip through a JS object), so payloads never hold one.
const noProto = (v: unknown): boolean => v === null || typeof v !== 'object' || (!Object.prototype.hasOwnProperty.call(v, '__proto__') && Object.values(v).every(noProto));
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }).filter(noProto), tensor, fc.constantFrom(NaN, -0, Infinity, -Infinity), fc.array(tensor, { maxLength: 3 }));
const payload = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'), value, { maxKeys: 8 });

describe('PayloadView', () => {
  it('reads every field in place exactly as decodeValue decodes the whole payload', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const { bytes, getBlob } = encodeWithBlobs(p);
        // Views may start inside a larger buffer (pages hold many payloads back to back).
        const page = Buffer.concat([Buffer.from([1, 2, 3]), bytes, Buffer.from([9])]);
        const view = new PayloadView(page, 3, 3 + bytes.length);
        const whole = decodeValue(bytes, { getBlob }) as Record<string, unknown>;
        const fields = view.fields();
        assert.deepEqual(fields.map((f) => f.key), Object.keys(whole).sort(), 'fields in the encoding\'s (sorted) key order');
        for (const f of fields) {
          assert.equal(view.find(f.key), f.start);
          assert.equal(view.valueEnd(f.start), f.end);
          const v = view.decodeAt(f.start, { getBlob });
          assert.equal(firstDifference(v, whole[f.key]), null, `field ${f.key}`);
          const w = whole[f.key] as { dtype?: string; shape?: number[]; data?: ArrayLike<number> };
          const header = view.tensorHeaderAt(f.start);
          if (w !== null && typeof w === 'object' && 'dtype' in w && ArrayBuffer.isView(w.data)) {
            assert.deepEqual(header, { dtype: w.dtype, shape: w.shape, size: w.data.length });
            assert.equal(view.tensorSizeAt(f.start), w.data.length);
          } else {
            assert.equal(header, null);
            assert.equal(view.tensorSizeAt(f.start), -1);
          }
          assert.equal(view.isNullAt(f.start), w === null);
          assert.ok(view.sameValue(f.start, new PayloadView(bytes), new PayloadView(bytes).find(f.key)));
        }
        assert.equal(view.find('\u0000not-a-key'), -1);
        assert.equal(view.isNullAt(-1), true);
      }),
      { numRuns: 300 },
    );
  });

  it('tells equal field bytes from different ones, a blob reference included', () => {
    const a = encodeWithBlobs({ values: f32([1, 2, 3, 4, 5, 6]), x: 1 });
    const b = encodeWithBlobs({ values: f32([1, 2, 3, 4, 5, 7]), x: 1 });
    const va = new PayloadView(a.bytes);
    const vb = new PayloadView(b.bytes);
    assert.equal(va.sameValue(va.find('x'), vb, vb.find('x')), true);
    assert.equal(va.sameValue(va.find('values'), vb, vb.find('values')), false);
    // 24 bytes: stored in the blob table, so the field holds the sha256 of the bytes.
    const hash = createHash('sha256').update(new Uint8Array(f32([1, 2, 3, 4, 5, 6]).data.buffer)).digest();
    assert.ok(a.bytes.includes(hash));
  });

  it('finds no field in a payload that is not an object', () => {
    const v = new PayloadView(Buffer.from(encodeValue([1, 2])));
    assert.equal(v.find('x'), -1);
    assert.deepEqual(v.fields(), []);
  });
});
