import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { derivedBatchHash } from '../../src/events/derived-batch-hash.js';
import { decodeValue, encodeValue } from '../../src/events/payload-codec.js';
import { eventType, upcastPayload, validatePayload } from '../../src/events/registry.js';
import { f32 } from '../../src/events/tensor.js';
import { batchFromRows, transitionRow } from '../../src/agent/reference/training-rows.js';
import { RowBuffer } from '../../src/agent/reference/transition-buffer.js';

const floats = (n: number) => fc.array(fc.float({ noDefaultInfinity: false }), { minLength: n, maxLength: n });
const batch = fc.integer({ min: 1, max: 6 }).chain((rows) => fc.tuple(fc.constant(rows), floats(rows * 3), floats(rows)));

describe('derivedBatchHash', () => {
  it('is the same for the same tensors whatever order their names were set in', () => {
    fc.assert(
      fc.property(batch, ([rows, x, y]) => {
        const a = { inputs: f32(x, [rows, 3]), targets: f32(y, [rows, 1]) };
        const b = { targets: f32(Float32Array.from(y), [rows, 1]), inputs: f32(Float32Array.from(x), [rows, 3]) };
        assert.equal(derivedBatchHash(a), derivedBatchHash(b));
      }),
    );
  });

  it('changes when any one bit of any element changes, or the shape does', () => {
    fc.assert(
      fc.property(batch, fc.nat(), fc.integer({ min: 0, max: 31 }), ([rows, x, y], at, bit) => {
        const before = derivedBatchHash({ inputs: f32(x, [rows, 3]), targets: f32(y, [rows, 1]) });
        const flipped = Float32Array.from(x);
        const bits = new Uint32Array(flipped.buffer);
        bits[at % bits.length] = (bits[at % bits.length]! ^ (1 << bit)) >>> 0;
        assert.notEqual(derivedBatchHash({ inputs: f32(flipped, [rows, 3]), targets: f32(y, [rows, 1]) }), before);
        assert.notEqual(derivedBatchHash({ inputs: f32(x, [rows * 3]), targets: f32(y, [rows, 1]) }), before);
      }),
    );
  });
});

describe('component.updated version 2', () => {
  const v1 = fc.record({
    from_version: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 16 }),
    to_version: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 16 }),
    update: fc.nat(),
    loss: fc.double(),
    grad_norm: fc.double(),
    batch: batch.map(([rows, x, y]) => ({ events: Array.from({ length: rows }, (_, i) => i), tensors: { inputs: f32(x, [rows, 3]), targets: f32(y, [rows, 1]) } })),
    hyper: fc.constant({ rng_state_after_sampling: 'ab' }),
  });

  it('reads every valid version-1 payload, upcast, as a valid version-2 payload with the same batch', () => {
    assert.equal(eventType('component.updated').v, 2);
    fc.assert(
      fc.property(v1, (p) => {
        validatePayload('component.updated', 1, p);
        const up = upcastPayload('component.updated', 1, decodeValue(encodeValue(p)));
        validatePayload('component.updated', 2, up);
        assert.deepEqual(up, decodeValue(encodeValue(p)));
      }),
    );
  });

  it('round-trips a batch by reference through the payload codec and validates it; refuses a malformed hash or recipe, naming the field', () => {
    fc.assert(
      fc.property(v1, fc.array(fc.nat({ max: 1e6 }), { maxLength: 64 }), (p, events) => {
        const ref = { ...p, batch: { events, recipe: 'reference/critic@1', shapes: { inputs: [events.length, 25], targets: [events.length, 1] }, derived_hash: derivedBatchHash(p.batch.tensors) } };
        const back = decodeValue(encodeValue(ref));
        assert.deepEqual(back, ref);
        validatePayload('component.updated', 2, back);
        assert.throws(() => validatePayload('component.updated', 1, back), /payload\.batch/);
      }),
    );
    const ok = { from_version: 'a', to_version: 'b', update: 1, loss: 0, grad_norm: 0, hyper: null, batch: { events: [1], recipe: 'reference/critic@1', shapes: { inputs: [1, 2] }, derived_hash: '0'.repeat(64) } };
    assert.throws(() => validatePayload('component.updated', 2, { ...ok, batch: { ...ok.batch, derived_hash: 'XYZ' } }), /derived_hash/);
    assert.throws(() => validatePayload('component.updated', 2, { ...ok, batch: { ...ok.batch, recipe: 'no version' } }), /recipe/);
  });
});

describe('batchFromRows', () => {
  it("cuts the world model's batch exactly as gathering columns from the learner's buffer did", () => {
    const layout = { obs: 3, actions: 2, actorTarget: 2 };
    const step = fc.record({
      observation: floats(3).map((a) => Float32Array.from(a)),
      action: fc.integer({ min: 0, max: 1 }),
      reward: fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }),
      nextObservation: floats(3).map((a) => Float32Array.from(a)),
      terminated: fc.boolean(),
      scores: fc.constant([0, 1]),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (steps, picks) => {
        const buf = new RowBuffer(steps.length, 3 * 2 + 2 + 2);
        steps.forEach((s, i) => buf.push(transitionRow(layout, s), i));
        const rows = picks.map((p) => p % steps.length);
        const b = batchFromRows('world_model', layout, rows.map((r) => buf.row(r)));
        // The learner's computation before batchFromRows existed: gathered columns, then s' − s.
        const s = buf.gather(rows, 0, 3);
        const next = buf.gather(rows, 6, 9);
        const term = buf.gather(rows, 9, 10);
        const want = new Float32Array(rows.length * 4);
        for (let i = 0; i < rows.length; i++) {
          for (let j = 0; j < 3; j++) want[i * 4 + j] = next[i * 3 + j]! - s[i * 3 + j]!;
          want[i * 4 + 3] = term[i]!;
        }
        assert.deepEqual(new Uint8Array(b.targets.buffer), new Uint8Array(want.buffer));
        assert.deepEqual(new Uint8Array(b.inputs.buffer), new Uint8Array(buf.gather(rows, 0, 5).buffer));
      }),
    );
  });
});
