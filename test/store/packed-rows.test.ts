import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { unpackRows, type PackedPage } from '../../src/store/packed-rows.js';

/** A page as SQLite's aggregate returns it, built from rows given as [seq, payload]. */
function page(rows: readonly (readonly [number, Uint8Array])[]): PackedPage {
  const columns = JSON.stringify(rows.map(([seq, p], i) => [i + 1, 1, seq, seq % 3 === 0 ? `id,"${seq}"` : null, 'annotation', 7, 1, 2 ** 53 - 1, null, 0, seq, 'critic', 'v1', null, p.length]));
  return { n: rows.length, columns, payloads: rows.length === 0 ? null : Buffer.concat(rows.map(([, p]) => p)), hashes: rows.length === 0 ? null : Buffer.concat(rows.map(([seq]) => Buffer.alloc(32, seq & 0xff))) };
}

describe('packed pages of event rows', () => {
  it('unpack to each row with its own payload and hash, whatever the payloads and texts (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), fc.integer({ min: 0, max: 1000 }), (payloads, from) => {
        const rows = payloads.map((p, i) => [from + 2 * i, p] as const);
        const out = unpackRows(page(rows));
        assert.equal(out.length, rows.length);
        out.forEach((r, i) => {
          assert.equal(r.seq, rows[i]![0]);
          assert.deepEqual(Buffer.from(r.payload), Buffer.from(rows[i]![1]));
          assert.deepEqual(Buffer.from(r.hash), Buffer.alloc(32, r.seq & 0xff));
          assert.equal(r.t, 2 ** 53 - 1);
          assert.equal(r.id, r.seq % 3 === 0 ? `id,"${r.seq}"` : null);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('refuse a page whose rows are out of order or whose bytes do not add up', () => {
    const good = page([[1, Buffer.from('ab')], [2, Buffer.from('c')]]);
    assert.throws(() => unpackRows({ ...good, columns: good.columns.replace('[2,1,2,', '[2,1,1,') }), /does not unpack: row 1/);
    assert.throws(() => unpackRows({ ...good, payloads: Buffer.from('abcd') }), /payload bytes left over/);
    assert.throws(() => unpackRows({ ...good, payloads: Buffer.from('ab') }), /does not unpack: row 1/);
    assert.throws(() => unpackRows({ ...good, hashes: Buffer.alloc(32) }), /hash bytes/);
  });
});
