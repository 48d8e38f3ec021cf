import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CalibrationBins } from '../../src/audit/calibration-bins.js';
import { PairStats } from '../../src/audit/pair-stats.js';
import { Reservoir } from '../../src/audit/reservoir.js';
import { averageRanks, spearman } from '../../src/audit/spearman.js';
import { TopK } from '../../src/audit/top-k.js';
import { VersionWindows } from '../../src/audit/version-windows.js';
import { SeededRng } from '../../src/random/seeded-rng.js';

const close = (a: number | null, b: number, tol = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('audit statistics', () => {
  const rng = SeededRng.fromSeed(4);
  const pairs = Array.from({ length: 1000 }, () => {
    const g = rng.normal(2, 1);
    return [g + rng.normal(0.3, 0.5), g] as [number, number];
  });

  it('PairStats: bias, rmse, explained variance and Pearson equal the direct formulas, also after merging halves', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const d = pairs.map(([v, g]) => v - g);
    const gs = pairs.map((p) => p[1]);
    const varOf = (xs: number[]) => mean(xs.map((x) => (x - mean(xs)) ** 2));
    const whole = new PairStats();
    const a = new PairStats();
    const b = new PairStats();
    pairs.forEach(([v, g], i) => {
      whole.add(v, g);
      (i < 400 ? a : b).add(v, g);
    });
    whole.add(NaN, 1);
    a.merge(b);
    for (const s of [whole, a]) {
      close(s.bias(), mean(d));
      close(s.rmse(), Math.sqrt(mean(d.map((x) => x * x))));
      close(s.explainedVariance(), 1 - varOf(gs.map((g, i) => g - pairs[i]![0])) / varOf(gs));
    }
    assert.equal(whole.nonFinite, 1);
    assert.equal(whole.n, 1000);
  });

  it('spearman: average ranks for ties, ±1 for monotone relations, null for a constant side', () => {
    assert.deepEqual(Array.from(averageRanks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
    close(spearman([[1, 2], [2, 4], [3, 9], [4, 100]]), 1);
    close(spearman([[1, 2], [2, 1], [3, 0], [4, -5]]), -1);
    // ranks x [1, 2.5, 2.5, 4, 5], y [1, 4, 2.5, 2.5, 5]: Σdxdy = 7.25, Σdx² = Σdy² = 9.5
    close(spearman([[1, 1], [2, 3], [2, 2], [3, 2], [4, 5]]), 7.25 / 9.5, 1e-12);
    assert.equal(spearman([[1, 0], [2, 0], [3, 0]]), null);
  });

  it('Reservoir keeps at most its capacity, exact while the stream fits, and merges to a sample of both streams', () => {
    const a = new Reservoir<number>(100, 'a');
    const b = new Reservoir<number>(100, 'b');
    for (let i = 0; i < 50; i++) a.add(i);
    assert.ok(a.complete);
    for (let i = 0; i < 5000; i++) b.add(1000 + i);
    assert.equal(b.items.length, 100);
    assert.ok(!b.complete);
    a.merge(b);
    assert.equal(a.items.length, 100);
    assert.equal(a.seen, 5050);
    assert.ok(a.items.filter((x) => x < 1000).length <= 6, 'the small stream keeps about its share (1%)');
  });

  it('VersionWindows bounds the windows however many versions come, covering every decision once', () => {
    const w = new VersionWindows<{ n: number }>(() => ({ n: 0 }), (x, y) => (x.n += y.n), 48);
    for (let d = 0; d < 30000; d++) w.at(`v${Math.floor(d / 3)}`, d).n++;
    assert.ok(w.windows.length <= 48 && w.windows.length >= 24, `${w.windows.length} windows`);
    assert.equal(w.windows.reduce((s, x) => s + x.agg.n, 0), 30000);
    assert.equal(w.windows.reduce((s, x) => s + x.versions, 0), 10000);
    w.windows.forEach((x, i) => i > 0 && assert.equal(x.firstDecision, w.windows[i - 1]!.lastDecision + 1));
    const tail = w.tail(0.25, (a) => a.n);
    const inTail = tail.reduce((s, x) => s + x.agg.n, 0);
    assert.ok(inTail >= 7500 && inTail - tail[0]!.agg.n < 7500, 'the fewest trailing windows holding a quarter');
  });

  it('CalibrationBins: bounded, exact counts and means, merging equals adding everything to one table', () => {
    const one = new CalibrationBins(16);
    const a = new CalibrationBins(16);
    const b = new CalibrationBins(16);
    pairs.forEach(([v, g], i) => {
      one.add(v, g);
      (i % 2 ? a : b).add(v, g);
    });
    a.merge(b);
    const t = one.table();
    assert.ok(t.length <= 16);
    assert.equal(t.reduce((s, x) => s + x.n, 0), 1000);
    close(t.reduce((s, x) => s + x.n * x.mean_predicted, 0) / 1000, pairs.reduce((s, p) => s + p[0], 0) / 1000);
    assert.deepEqual(a.table().map((x) => [x.lo, x.n]), t.map((x) => [x.lo, x.n]));
  });

  it('TopK keeps the largest, earliest first among ties', () => {
    const k = new TopK<string>(3);
    for (const [s, x] of [[1, 'a'], [5, 'b'], [3, 'c'], [5, 'd'], [0, 'e'], [4, 'f']] as const) k.add(s, x);
    assert.deepEqual(k.list(), ['b', 'd', 'f']);
  });
});
