import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue, encodeValue } from '../../src/events/payload-codec.js';
import type { EventInput } from '../../src/events/registry.js';
import { chainHash, GENESIS_HASH } from '../../src/store/hash-chain.js';
import { prepareEvent } from '../../src/store/prepare-event.js';
import { RowArena } from '../../src/store/row-arena.js';

/**
 * prepareEvent encodes the envelope and payload in one pass into a shared buffer, hashes it and
 * keeps payload and hash in an arena; verify recomputes the hash with chainHash from the stored
 * columns. They must agree for every event, and rows must not overwrite each other's bytes.
 */
const envelope = fc.record({
  id: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
  t: fc.option(fc.maxSafeNat(), { nil: undefined }),
  episode: fc.option(fc.oneof(fc.nat(), fc.constant(-0)), { nil: null }),
  step: fc.option(fc.nat(), { nil: null }),
  decision: fc.option(fc.nat(), { nil: null }),
  component: fc.option(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), { nil: null }),
  version: fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: null }),
  parent: fc.option(fc.nat(), { nil: null }),
});
const floats = fc.integer({ min: 0, max: 200 }).chain((n) => fc.float32Array({ minLength: n, maxLength: n }));

describe('prepareEvent', () => {
  it('chains the hash chainHash recomputes, with payloads that decode to the input, in one arena', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(envelope, floats, fc.string()), { minLength: 1, maxLength: 20 }), fc.integer({ min: 64, max: 4096 }), (events, chunk) => {
        const arena = new RowArena(chunk);
        const blobs = new Map<string, Uint8Array>();
        let previous: Uint8Array = GENESIS_HASH;
        const rows = events.map(([env, data, note], seq) => {
          const input = { type: 'annotation', ...env, payload: { note, values: { dtype: 'float32', shape: [data.length], data } } } as unknown as EventInput;
          const row = prepareEvent(input, 'run-1', seq, previous, blobs, 256, undefined, arena);
          assert.deepEqual(Buffer.from(row.hash), Buffer.from(chainHash(previous, { run: 'run-1', ...row }, row.payload)));
          previous = row.hash;
          return { row, bytes: encodeValue(input.payload, { blobThreshold: 256, putBlob: () => undefined }), hash: Buffer.from(row.hash) };
        });
        // Later rows did not overwrite earlier ones in the arena.
        for (const { row, bytes, hash } of rows) {
          assert.deepEqual(Buffer.from(row.payload), Buffer.from(bytes));
          assert.deepEqual(Buffer.from(row.hash), hash);
          assert.ok(decodeValue(row.payload, { getBlob: (h) => blobs.get(Buffer.from(h).toString('hex'))! }) !== undefined);
        }
      }),
      { numRuns: 150 },
    );
  });
});
