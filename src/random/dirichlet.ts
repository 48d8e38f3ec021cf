import type { SeededRng } from './seeded-rng.js';

/**
 * A draw from Dirichlet(α, …, α) over `n` outcomes, from `rng` only (so a recorded generator state
 * reproduces it): n Gamma(α, 1) draws normalised. Gamma by Marsaglia and Tsang's squeeze method
 * (2000) for shape ≥ 1, and Gamma(α + 1)·U^(1/α) below 1.
 */
export function dirichlet(rng: SeededRng, n: number, alpha: number): Float64Array {
  const g = Float64Array.from({ length: n }, () => gamma(rng, alpha));
  let total = 0;
  for (const x of g) total += x;
  // All n draws underflowing to 0 is possible for a tiny α; the uniform distribution is its limit in expectation.
  if (!(total > 0)) return new Float64Array(n).fill(1 / n);
  for (let i = 0; i < n; i++) g[i] = g[i]! / total;
  return g;
}

function gamma(rng: SeededRng, shape: number): number {
  if (shape < 1) {
    let u = rng.uniform();
    while (u === 0) u = rng.uniform();
    return gamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
