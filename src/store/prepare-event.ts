import type { KnownBlobs } from '../events/known-blobs.js';
import { hash } from 'node:crypto';
import { encodeJoined } from '../events/payload-codec.js';
import { eventType, type EventInput } from '../events/registry.js';
import { envelopeTuple } from './hash-chain.js';
import type { PreparedEvent } from './sqlite-event-store.js';

/** Tensors above this many bytes go to the content-addressed blob table; smaller ones stay inline. */
export const DEFAULT_BLOB_THRESHOLD = 256;

/**
 * Turns a validated event into a stored row: fills v and t, encodes the payload (collecting blobs
 * into `blobs`, keyed by hex sha256) and chains its hash onto `previousHash`.
 */
export function prepareEvent(
  input: EventInput,
  run: string,
  seq: number,
  previousHash: Uint8Array,
  /** Receives the blobs the payload references (only events with large tensors have any). */
  blobs: { set(hashHex: string, bytes: Uint8Array): unknown },
  blobThreshold = DEFAULT_BLOB_THRESHOLD,
  knownBlobs?: KnownBlobs,
): PreparedEvent {
  const v = input.v ?? eventType(input.type).v;
  // -0 passes the schemas' integer checks but SQLite stores it as 0: chain the value that is stored.
  const int = (x: number | null | undefined): number | null => (x === undefined || x === null ? null : x + 0);
  const t = (input.t ?? Date.now()) + 0;
  const row: PreparedEvent = {
    seq,
    id: input.id ?? null,
    type: input.type,
    v,
    t,
    episode: int(input.episode),
    step: int(input.step),
    decision: int(input.decision),
    component: input.component ?? null,
    version: input.version ?? null,
    parent: int(input.parent),
    payload: EMPTY,
    hash: EMPTY,
  };
  // previous hash ‖ envelope ‖ payload encoded in one pass and hashed once (see chainHash, which verify uses).
  const { joined, body } = encodeJoined(previousHash, envelopeTuple({ run, ...row }), input.payload, {
    blobThreshold,
    putBlob: (hash, bytes) => {
      const copy = bytes.slice();
      blobs.set(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex'), copy);
      return copy;
    },
    ...(knownBlobs === undefined ? {} : { knownBlobs }),
  });
  row.hash = hash('sha256', joined, 'buffer');
  row.payload = body;
  return row;
}

const EMPTY: Uint8Array = new Uint8Array(0);
