/** Ranks from 1, ties getting the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): Float64Array {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation of paired values (Pearson's r of the average ranks, so ties are
 * handled); null with fewer than 3 finite pairs or when either side is constant.
 */
export function spearman(pairs: readonly (readonly [number, number])[]): number | null {
  const ok = pairs.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (ok.length < 3) return null;
  const rx = averageRanks(ok.map((p) => p[0]));
  const ry = averageRanks(ok.map((p) => p[1]));
  const n = ok.length;
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}
