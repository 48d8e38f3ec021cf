import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketSeries } from '../../src/diff/bucket-series.js';
import { DeltaStat } from '../../src/diff/delta-stat.js';
import { jsonValue, renderValue } from '../../src/diff/render-value.js';
import { firstDifference, ravel, unravel } from '../../src/diff/value-difference.js';
import { f32, f64, i32 } from '../../src/events/tensor.js';

describe('firstDifference', () => {
  it('compares bit for bit: NaN equals NaN, -0 differs from 0', () => {
    assert.equal(firstDifference(NaN, NaN), null);
    assert.notEqual(firstDifference(0, -0), null);
    assert.equal(firstDifference(f32([NaN, 1]), f32([NaN, 1])), null);
    assert.deepEqual(firstDifference(f32([0, 1]), f32([-0, 1]))?.index, [0]);
  });

  it('names the first differing element of a tensor by its multi-index', () => {
    const a = f32([0, 1, 2, 3, 4, 5], [2, 3]);
    const b = f32([0, 1, 2, 3, 9, 5], [2, 3]);
    const d = firstDifference(a, b)!;
    assert.deepEqual(d.index, [1, 1]);
    assert.equal(renderValue(d.a, d.index), 'float32[2,3] [1,1]=4');
    assert.equal(renderValue(d.b, d.index), 'float32[2,3] [1,1]=9');
    assert.deepEqual(jsonValue(d.b, d.index), { dtype: 'float32', shape: [2, 3], index: [1, 1], value: 9 });
  });

  it('reports shape and dtype differences without an index', () => {
    assert.equal(firstDifference(f32([1, 2]), f32([1, 2, 3]))?.index, null);
    assert.equal(firstDifference(f32([1]), f64([1]))?.index, null);
    assert.equal(renderValue(f32([1, 2, 3], [3])), 'float32[3]');
  });

  it('descends into objects and arrays and names the path', () => {
    assert.equal(firstDifference({ critic: 'a', planner: 'p' }, { critic: 'b', planner: 'p' })?.path, 'critic');
    assert.equal(firstDifference({ x: [1, 2, { y: 3 }] }, { x: [1, 2, { y: 4 }] })?.path, 'x[2].y');
    assert.equal(firstDifference({ x: 1 }, { x: 1, y: 2 })?.path, 'y');
    assert.equal(firstDifference([i32([1])], [i32([1])]), null);
  });

  it('writes numbers JSON cannot hold by name', () => {
    assert.equal(jsonValue(NaN), 'NaN');
    assert.equal(jsonValue(-0), '-0');
    assert.equal(renderValue(-Infinity), '-Infinity');
    assert.deepEqual(jsonValue(f32([NaN]), [0]), { dtype: 'float32', shape: [1], index: [0], value: 'NaN' });
  });

  it('ravels and unravels row-major indices', () => {
    for (let i = 0; i < 24; i++) assert.equal(ravel(unravel(i, [2, 3, 4]), [2, 3, 4]), i);
  });
});

describe('DeltaStat', () => {
  it('counts equal elements as 0 and keeps non-finite deltas out of mean and max', () => {
    const s = new DeltaStat();
    s.addZeros(2);
    s.add(1, 3);
    s.add(NaN, NaN);
    s.add(NaN, 1);
    s.add(Infinity, 1);
    const r = s.summary();
    assert.deepEqual([r.values, r.differing, r.mean_abs, r.max_abs, r.nonfinite], [4, 1, 0.5, 2, 2]);
  });
});

describe('BucketSeries', () => {
  it('keeps every point in a bounded number of buckets, merging neighbours when full', () => {
    const s = new BucketSeries([{ name: 'max', aggregate: 'max' }, { name: 'sum', aggregate: 'sum' }, { name: 'mean', aggregate: 'mean' }], (e, t) => `${e}/${t}`, 8);
    for (let i = 0; i < 100; i++) s.push([i, 1, i % 2 === 0 ? i : null], Math.floor(i / 10), i % 10);
    const r = s.report();
    assert.equal(r.width, 16);
    assert.equal(r.x.length, 7);
    assert.deepEqual(r.x, [0, 16, 32, 48, 64, 80, 96]);
    assert.equal(r.label[1], '1/6');
    assert.equal(r.channels.sum!.reduce((a, b) => a! + b!, 0), 100, 'no point lost');
    assert.equal(r.channels.max![6], 99);
    assert.equal(r.channels.mean![0], 7, 'mean of 0, 2, ..., 14');
  });
});
