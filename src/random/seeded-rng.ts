import { z } from 'zod';

/** Serialised generator state: four 32-bit words of xoshiro128** as 8-hex-digit strings. */
export const RngState = z.string().regex(/^[0-9a-f]{32}$/, 'rng state must be 32 lowercase hex digits');
export type RngState = z.infer<typeof RngState>;

/**
 * xoshiro128** — small, fast and fully described by 128 bits of state, which is what makes
 * every draw reproducible from a recorded `state()`. Not cryptographic.
 */
export class SeededRng {
  private s: Uint32Array;

  private constructor(s: Uint32Array) {
    this.s = s;
  }

  /** A generator seeded by splitmix32 from any integer (or string) seed. */
  static fromSeed(seed: number | string): SeededRng {
    let x = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 0) s[0] = 1;
    return new SeededRng(s);
  }

  /** A generator restored from a recorded state; continues exactly where the recorded one was. */
  static fromState(state: RngState): SeededRng {
    RngState.parse(state);
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) s[i] = parseInt(state.slice(i * 8, i * 8 + 8), 16) >>> 0;
    return new SeededRng(s);
  }

  /** The state as 32 hex digits; `fromState(rng.state())` draws the same sequence as `rng`. */
  state(): RngState {
    let out = '';
    for (let i = 0; i < 4; i++) out += (this.s[i]! >>> 0).toString(16).padStart(8, '0');
    return out;
  }

  /**
   * Moves this generator to a recorded state, in place: a planner served by another process
   * draws from its own copy and hands back where it left off, so the caller's generator goes on
   * from there as if the draws were its own.
   */
  setState(state: RngState): void {
    RngState.parse(state);
    for (let i = 0; i < 4; i++) this.s[i] = parseInt(state.slice(i * 8, i * 8 + 8), 16) >>> 0;
  }

  /** An independent copy: drawing from it does not advance this generator. */
  clone(): SeededRng {
    return new SeededRng(new Uint32Array(this.s));
  }

  /**
   * A child generator for a named purpose, derived from this one's next draw, so that adding
   * draws to one purpose does not shift another's sequence.
   */
  fork(label: string): SeededRng {
    return SeededRng.fromSeed((this.nextU32() ^ hashString(label)) >>> 0);
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n): n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box–Muller, one value per call so that state stays 128 bits). */
  normal(mean = 0, std = 1): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Index drawn from unnormalised non-negative weights. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function hashString(s: string): number {
  // FNV-1a: stable across platforms, enough to spread labels and string seeds.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
