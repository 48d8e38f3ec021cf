import type { KnownBlobs } from '../events/known-blobs.js';
import { encodeValue } from '../events/payload-codec.js';
import { eventType, type EventInput } from '../events/registry.js';
import { chainHash } from '../store/hash-chain.js';
import type { PreparedEvent } from '../store/sqlite-event-store.js';

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
  blobs: Map<string, Uint8Array>,
  blobThreshold = DEFAULT_BLOB_THRESHOLD,
  knownBlobs?: KnownBlobs,
): PreparedEvent {
  const v = input.v ?? eventType(input.type).v;
  // -0 passes the schemas' integer checks but SQLite stores it as 0: chain the value that is stored.
  const int = (x: number | null | undefined): number | null => (x === undefined || x === null ? null : x + 0);
  const t = (input.t ?? Date.now()) + 0;
  const payload = encodeValue(input.payload, {
    blobThreshold,
    putBlob: (hash, bytes) => {
      const copy = bytes.slice();
      blobs.set(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex'), copy);
      return copy;
    },
    ...(knownBlobs === undefined ? {} : { knownBlobs }),
  });
  const envelope = {
    run,
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
  };
  const hash = chainHash(previousHash, envelope, payload);
  return { ...envelope, payload, hash };
}
