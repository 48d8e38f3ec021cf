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
): PreparedEvent {
  const v = input.v ?? eventType(input.type).v;
  const t = input.t ?? Date.now();
  const payload = encodeValue(input.payload, {
    blobThreshold,
    putBlob: (hash, bytes) => {
      blobs.set(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex'), bytes.slice());
    },
  });
  const envelope = {
    run,
    seq,
    id: input.id ?? null,
    type: input.type,
    v,
    t,
    episode: input.episode ?? null,
    step: input.step ?? null,
    decision: input.decision ?? null,
    component: input.component ?? null,
    version: input.version ?? null,
    parent: input.parent ?? null,
  };
  const hash = chainHash(previousHash, envelope, payload);
  return { ...envelope, payload, hash };
}
