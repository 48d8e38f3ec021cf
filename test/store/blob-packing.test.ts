import fc from 'fast-check';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { f32 } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';
import { packBlob, unpackBlob } from '../../src/store/blob-packing.js';
import { mayDeflate } from '../../src/store/compressibility.js';
import { readEvents } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

/** Bytes that deflate well (runs of a few values) or not at all (uniform noise), of any length. */
const blobContents = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 300 })), { maxLength: 40 }).map((runs) => Uint8Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v)))),
);

describe('blob packing', () => {
  it('unpacks what it packed, to the same bytes, and packs only when that saves an eighth', () => {
    fc.assert(
      fc.property(blobContents, (contents) => {
        const stored = packBlob(contents);
        assert.ok(stored.byteLength === contents.byteLength || stored.byteLength <= contents.byteLength - (contents.byteLength >>> 3), `stored ${stored.byteLength} of ${contents.byteLength}`);
        assert.deepEqual(Buffer.from(unpackBlob(stored, contents.byteLength)!), Buffer.from(contents));
      }),
      { numRuns: 300 },
    );
  });

  it('asks deflate only where it can pay: not for noise, always for repeated rows and for skewed bytes', () => {
    const noise = (seed: number, n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let at = 0, i = 0; at < n; at += 32, i++) out.set(createHash('sha256').update(`${seed}:${i}`).digest().subarray(0, Math.min(32, n - at)), at);
      return out;
    };
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 512, max: 8192 }), fc.integer({ min: 16, max: 400 }), fc.integer({ min: 2, max: 8 }), (seed, n, rowBytes, copies) => {
        const random = noise(seed, n);
        assert.equal(mayDeflate(random), false, 'noise is not worth a deflate');
        assert.equal(packBlob(random), random, 'and is stored raw');
        // A batched tensor whose rows repeat (a state tiled per action): deflate's matches pay.
        const row = noise(seed + 1, rowBytes * 4);
        const tiled = new Uint8Array(row.length * copies);
        for (let k = 0; k < copies; k++) tiled.set(row, k * row.length);
        assert.equal(mayDeflate(tiled), true, `${copies} copies of a ${row.length}-byte row`);
        if (tiled.length >= 128) assert.ok(packBlob(tiled).byteLength <= tiled.length - (tiled.length >>> 3), 'repeated rows are stored deflated');
        // Few distinct byte values (one-hot floats, small integers): its Huffman codes pay.
        const skewed = random.map((b) => (b < 16 ? b : 0));
        assert.equal(mayDeflate(skewed), true);
      }),
      { numRuns: 200 },
    );
  });

  // A flipped bit either breaks the stream, changes the contents (which the blob's sha256 then
  // rejects), or falls in bits the stream ignores (the last byte's padding): most do one of the first two.
  it('a damaged packed blob mostly unpacks to nothing or to other bytes, which the store rejects', () => {
    let inert = 0;
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 3000 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (n, at, bit) => {
        const contents = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? i & 0xff : 0));
        const stored = Buffer.from(packBlob(contents));
        assert.ok(stored.byteLength < n, 'compressible contents are packed');
        stored[at % stored.byteLength]! ^= 1 << bit;
        const back = unpackBlob(stored, n);
        if (back !== null && Buffer.from(back).equals(Buffer.from(contents))) inert++;
      }),
      { numRuns: 300 },
    );
    assert.ok(inert < 60, `${inert} of 300 flips were in ignored bits`);
    assert.equal(unpackBlob(new Uint8Array(10), 5), null, 'stored longer than its size');
  });

  describe('in a SQLite store', () => {
    const tmp = tempDir();
    after(() => tmp.cleanup());
    const zeros = new Float32Array(1024);
    const noise = new Float32Array(new Uint32Array(256).map((_, i) => Number(createHash('sha256').update(String(i)).digest().readUInt32LE(0))).buffer);

    async function record(file: string): Promise<void> {
      const rec = await Recorder.open(file);
      const run = await rec.startRun({ id: 'packed', name: 'packed', env: 'gridworld', seed: 1, config: {}, components: [{ name: 'critic', role: 'critic', kind: 'mlp', version: 'v1' }] });
      run.append({ type: 'critic.evaluated', component: 'critic', version: 'v1', payload: { states: f32(zeros, [256, 4]), values: f32(noise) } });
      await run.end('completed');
      await rec.close();
    }

    it('keeps a compressible tensor deflated and an incompressible one raw, and reads both back bit for bit', async () => {
      const file = tmp.file('packed.db');
      await record(file);
      const raw = rawDatabase(file);
      const rows = raw.prepare('select size, length(bytes) as stored from blobs order by size desc').all() as { size: number; stored: number }[];
      raw.close();
      assert.deepEqual(rows.map((r) => r.size), [4096, 1024]);
      assert.ok(rows[0]!.stored < 200, `4 KB of zeros stored in ${rows[0]!.stored} bytes`);
      assert.equal(rows[1]!.stored, 1024, 'noise is stored raw');

      const store = await SqliteEventStore.open(file);
      try {
        assert.equal((await verifyChain(store, 'packed')).ok, true);
        const events = [];
        for await (const e of readEvents(store, 'packed')) events.push(e);
        const p = events.find((e) => e.type === 'critic.evaluated')!.payload as { states: { data: Float32Array }; values: { data: Float32Array } };
        assert.deepEqual(Buffer.from(p.states.data.buffer), Buffer.from(zeros.buffer));
        assert.deepEqual(Buffer.from(p.values.data.buffer, p.values.data.byteOffset, p.values.data.byteLength), Buffer.from(noise.buffer));
      } finally {
        await store.close();
      }
    });

    it('reads a database whose blobs were all written raw (before packing), and the same run verifies', async () => {
      const file = tmp.file('raw.db');
      await record(file);
      const raw = rawDatabase(file);
      for (const b of raw.prepare('select hash, size, bytes from blobs').all() as { hash: Buffer; size: number; bytes: Buffer }[]) raw.prepare('update blobs set bytes = ? where hash = ?').run(Buffer.from(unpackBlob(b.bytes, b.size)!), b.hash);
      assert.equal(raw.prepare('select count(*) from blobs where length(bytes) <> size').pluck().get(), 0);
      raw.close();
      const store = await SqliteEventStore.open(file);
      try {
        assert.equal((await verifyChain(store, 'packed')).ok, true);
      } finally {
        await store.close();
      }
    });
  });
});
