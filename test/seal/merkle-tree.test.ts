import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '../../src/seal/merkle-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// The reference inputs and tree heads of RFC 6962's test vectors (as in Certificate Transparency's own tests).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Flips one bit of one byte of one of the arrays. */
const flip = (arrays: Uint8Array[], which: number, byte: number, bit: number): Uint8Array[] =>
  arrays.map((a, i) => {
    if (i !== which % arrays.length) return a;
    const c = new Uint8Array(a);
    c[byte % c.length]! ^= 1 << bit % 8;
    return c;
  });

const leaves = (n: number, salt: number) => Array.from({ length: n }, (_, i) => new Uint8Array([i & 255, i >> 8, salt & 255]));

describe('Merkle tree (RFC 6962 / 9162)', () => {
  it('gives the RFC 6962 reference roots for every size 0..8', () => {
    const tree = new MerkleTree(CT_LEAVES);
    for (let n = 0; n <= 8; n++) assert.equal(hex(tree.root(n)), CT_ROOTS[n], `size ${n}`);
  });

  it('gives the reference audit path for leaf 0 of 8', () => {
    const path = new MerkleTree(CT_LEAVES).inclusionProof(0, 8).map(hex);
    assert.deepEqual(path, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']);
  });

  it('every inclusion proof verifies, and no one-bit change to data, path, root or index does (the size is bound by the signed seal)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.nat(), fc.nat(), fc.nat(), fc.nat(7), fc.integer({ min: 1, max: 5 }), (n, salt, idx, byte, bit, shift) => {
        const data = leaves(n, salt);
        const tree = new MerkleTree(data);
        const i = idx % n;
        const path = tree.inclusionProof(i);
        const root = tree.root();
        assert.ok(verifyInclusion(data[i]!, i, n, path, root));
        assert.equal(leafHash(data[i]!).length, 32);
        assert.equal(verifyInclusion(flip([data[i]!], 0, byte, bit)[0]!, i, n, path, root), false, 'changed data');
        assert.equal(verifyInclusion(data[i]!, i, n, path, flip([root], 0, byte, bit)[0]!), false, 'changed root');
        if (path.length > 0) assert.equal(verifyInclusion(data[i]!, i, n, flip(path, byte, byte, bit), root), false, 'changed path');
        if (n > 1) assert.equal(verifyInclusion(data[i]!, (i + 1 + (shift % (n - 1))) % n, n, path, root), false, "another index");
        assert.equal(verifyInclusion(data[i]!, i, n, [...path, root], root), false, 'a longer path');
      }),
      { numRuns: 300 },
    );
  });

  it('every consistency proof verifies, and no one-bit change does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.nat(), fc.nat(), fc.nat(), fc.nat(7), (n, salt, at, byte, bit) => {
        const tree = new MerkleTree(leaves(n, salt));
        const m = at % (n + 1);
        const path = tree.consistencyProof(m, n);
        const [old, now] = [tree.root(m), tree.root(n)];
        assert.ok(verifyConsistency(m, n, old, now, path), `${m} → ${n}`);
        if (m > 0 && m < n) {
          assert.equal(verifyConsistency(m, n, flip([old], 0, byte, bit)[0]!, now, path), false, 'changed old root');
          assert.equal(verifyConsistency(m, n, old, flip([now], 0, byte, bit)[0]!, path), false, 'changed new root');
          assert.equal(verifyConsistency(m, n, old, now, flip(path, byte, byte, bit)), false, 'changed path');
          // A tree that rewrote one of its first m leaves does not extend the old one.
          const rewritten = leaves(n, salt);
          rewritten[byte % m] = new Uint8Array([255, 255, 255, 255]);
          const other = new MerkleTree(rewritten);
          assert.equal(verifyConsistency(m, n, old, other.root(), other.consistencyProof(m, n)), false, 'rewritten history');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses proofs outside the tree', () => {
    const tree = new MerkleTree(leaves(5, 1));
    assert.throws(() => tree.inclusionProof(5), RangeError);
    assert.throws(() => tree.consistencyProof(6), RangeError);
    assert.equal(verifyInclusion(new Uint8Array(1), 0, 0, [], tree.root()), false);
    assert.equal(verifyConsistency(3, 2, tree.root(3), tree.root(2), []), false);
  });
});
