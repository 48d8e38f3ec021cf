import type { ObservationDescription } from './environment.js';

const TILE_NAMES: Readonly<Record<string, string>> = { A: 'start', G: 'goal', S: 'sensor', '.': 'floor', '#': 'wall' };

/** A grid's observations (one-hot over its cells) named by cell and tile; imagined states by their most likely cell. */
export function gridDescription(layout: readonly string[]): ObservationDescription {
  const cols = layout[0]!.length;
  const cellName = (c: number) => {
    const r = Math.floor(c / cols);
    const tile = layout[r]?.[c % cols] ?? '?';
    return `(${r},${c % cols}) '${tile}' ${TILE_NAMES[tile] ?? ''}`.trimEnd();
  };
  return {
    picture: { kind: 'grid', layout },
    describe: (o) => {
      const hot = oneHotIndex(o);
      return hot === null ? null : `cell ${cellName(hot)}`;
    },
    describeImagined: (s) => {
      const c = argmax(s);
      return c === null ? null : `≈${cellName(c)} p=${Number(s[c]!.toPrecision(3))}`;
    },
  };
}

/** The index of the single 1 in an otherwise all-zero vector, else null. */
function oneHotIndex(v: ArrayLike<number>): number | null {
  let hot: number | null = null;
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    if (v[i] !== 1 || hot !== null) return null;
    hot = i;
  }
  return hot;
}

function argmax(v: ArrayLike<number>): number | null {
  let best: number | null = null;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!) && (best === null || v[i]! > v[best]!)) best = i;
  return best;
}
