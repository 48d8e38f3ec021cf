/** A figure for people: 3 decimals, exponent notation when tiny or huge, 'n/a' for null. */
export function formatFigure(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(digits);
}

/** Rounds for JSON and charts where 5 significant decimals say all there is to say. */
export function roundFigure(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}
