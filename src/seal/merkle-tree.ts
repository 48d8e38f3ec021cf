import { hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency v2, section 2.1) over a run's event
 * hashes, in order: leaf = SHA-256(0x00 ‖ event hash), node = SHA-256(0x01 ‖ left ‖ right), the
 * split at the largest power of two below the size. Proofs are the RFC's audit and consistency paths.
 */
const sha256 = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(hash('sha256', Buffer.concat(parts), 'buffer'));
const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export const leafHash = (data: Uint8Array): Uint8Array => sha256(LEAF, data);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(NODE, left, right);

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]) over leaf hashes already computed. */
function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 0) return sha256();
  if (n === 1) return leaves[lo]!;
  const k = split(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** The tree over `data` (the event hashes), leaves hashed once. */
export class MerkleTree {
  private readonly leaves: Uint8Array[];

  constructor(data: readonly Uint8Array[]) {
    this.leaves = data.map(leafHash);
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Root of the first `size` leaves (default: all): a tree that has grown still proves its earlier roots. */
  root(size = this.leaves.length): Uint8Array {
    this.checkSize(size);
    return subtreeRoot(this.leaves, 0, size);
  }

  /** PATH(index, D[0:size]): the audit path from leaf `index` to the root of the first `size` leaves. */
  inclusionProof(index: number, size = this.leaves.length): Uint8Array[] {
    this.checkSize(size);
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is outside a tree of ${size}`);
    const path: Uint8Array[] = [];
    const walk = (m: number, lo: number, hi: number): void => {
      const n = hi - lo;
      if (n <= 1) return;
      const k = split(n);
      if (m < k) {
        walk(m, lo, lo + k);
        path.push(subtreeRoot(this.leaves, lo + k, hi));
      } else {
        walk(m - k, lo + k, hi);
        path.push(subtreeRoot(this.leaves, lo, lo + k));
      }
    };
    walk(index, 0, size);
    return path;
  }

  /** PROOF(from, D[0:to]): shows that the tree of `to` leaves extends the tree of its first `from`. */
  consistencyProof(from: number, to = this.leaves.length): Uint8Array[] {
    this.checkSize(to);
    if (!Number.isInteger(from) || from < 0 || from > to) throw new RangeError(`size ${from} is outside a tree of ${to}`);
    if (from === 0 || from === to) return [];
    const path: Uint8Array[] = [];
    const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
      const n = hi - lo;
      if (m === n) {
        if (!whole) path.push(subtreeRoot(this.leaves, lo, hi));
        return;
      }
      const k = split(n);
      if (m <= k) {
        sub(m, lo, lo + k, whole);
        path.push(subtreeRoot(this.leaves, lo + k, hi));
      } else {
        sub(m - k, lo + k, hi, false);
        path.push(subtreeRoot(this.leaves, lo, lo + k));
      }
    };
    sub(from, 0, to, true);
    return path;
  }

  private checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.leaves.length) throw new RangeError(`size ${size} is outside a tree of ${this.leaves.length}`);
  }
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

/** RFC 9162 2.1.3.2: does `path` lead from leaf `data` at `index` to `root` in a tree of `size`? */
export function verifyInclusion(data: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leafHash(data);
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

/** RFC 9162 2.1.4.2: does `path` show that the tree (`to`, `toRoot`) extends the tree (`from`, `fromRoot`)? */
export function verifyConsistency(from: number, to: number, fromRoot: Uint8Array, toRoot: Uint8Array, path: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false;
  if (from === to) return path.length === 0 && equal(fromRoot, toRoot);
  // Every tree extends the empty one; its root is the hash of nothing.
  if (from === 0) return path.length === 0 && equal(fromRoot, sha256());
  if (path.length === 0) return false;
  const isPow2 = (BigInt(from) & (BigInt(from) - 1n)) === 0n;
  const proof = isPow2 ? [fromRoot, ...path] : [...path];
  let fn = BigInt(from - 1);
  let sn = BigInt(to - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = proof[0]!;
  let sr = proof[0]!;
  for (const c of proof.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, fromRoot) && equal(sr, toRoot);
}
