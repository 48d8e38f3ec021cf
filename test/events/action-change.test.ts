import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ACTION_TOLERANCE, actionJson, actionsDiffer } from '../../src/events/action-change.js';
import { f32 } from '../../src/events/tensor.js';

describe('actionsDiffer', () => {
  it('discrete ids differ exactly when they are different ids', () => {
    assert.equal(actionsDiffer(2, 2), false);
    assert.equal(actionsDiffer(2, 3), true);
    assert.equal(actionsDiffer(0, Float32Array.of(0)), true, 'an id and a vector are different actions');
  });

  it('a continuous action changes only when some element moves by more than ACTION_TOLERANCE', () => {
    assert.equal(ACTION_TOLERANCE, 1e-3);
    fc.assert(
      fc.property(fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 4 }), fc.nat({ max: 3 }), fc.double({ min: 0, max: 0.01, noNaN: true }), (base, at, shift) => {
        const a = Float32Array.from(base);
        const b = Float32Array.from(base);
        const i = at % a.length;
        b[i] = a[i]! + shift;
        const moved = Math.abs(b[i]! - a[i]!);
        assert.equal(actionsDiffer(a, b), moved > ACTION_TOLERANCE);
        // Tensors, typed arrays and JSON arrays compare alike.
        assert.equal(actionsDiffer(f32(a), actionJson(b) as number[]), moved > ACTION_TOLERANCE);
      }),
    );
  });

  it('other lengths differ; NaN differs from a number but not from NaN', () => {
    assert.equal(actionsDiffer(Float32Array.of(1), Float32Array.of(1, 1)), true);
    assert.equal(actionsDiffer(Float32Array.of(NaN), Float32Array.of(0)), true);
    assert.equal(actionsDiffer(Float32Array.of(NaN), Float32Array.of(NaN)), false);
  });
});
