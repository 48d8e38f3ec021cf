import type { KnownBlobs } from '../events/known-blobs.js';
import { hash } from 'node:crypto';
import { encodeJoinedView, lastJoinedBodyStart, type EncodeOptions } from '../events/payload-codec.js';
import { eventType, type EventInput } from '../events/registry.js';
import { envelopeTupleOf } from './hash-chain.js';
import type { PreparedEvent } from './event-store.js';
import { RowArena } from './row-arena.js';

/** Tensors above this many bytes go to the content-addressed blob table; smaller ones stay inline. */
export const DEFAULT_BLOB_THRESHOLD = 256;

/** The blob sink of the call in progress (prepareEvent is synchronous, so one options object serves every call). */
const NO_SINK = { set: (): void => undefined };
let blobSink: { set(hashHex: string, bytes: Uint8Array): unknown } = NO_SINK;
/** The arena of the call in progress: a blob's copy is a range of it, like the row's payload, not an ArrayBuffer of its own. */
const NO_ARENA = new RowArena(0);
let blobArena = NO_ARENA;
const encodeOptions: EncodeOptions & { knownBlobs?: KnownBlobs } = {
  blobThreshold: DEFAULT_BLOB_THRESHOLD,
  putBlob: (h, bytes) => {
    const copy = arenaCopy(blobArena, bytes);
    blobSink.set(Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex'), copy);
    return copy;
  },
};

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
  /** Where the row's payload and hash are kept (the recorder's per-run arena); a buffer of their own by default. */
  arena: RowArena = new RowArena(0),
): PreparedEvent {
  const v = input.v ?? eventType(input.type).v;
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
  blobSink = blobs;
  blobArena = arena;
  encodeOptions.blobThreshold = blobThreshold;
  if (knownBlobs === undefined) delete encodeOptions.knownBlobs;
  else encodeOptions.knownBlobs = knownBlobs;
  try {
    // previous hash ‖ envelope ‖ payload encoded in one pass and hashed once (chainHash, which verify uses, recomputes it).
    const joined = encodeJoinedView(previousHash, envelopeTupleOf(run, row), input.payload, encodeOptions);
    const bodyStart = lastJoinedBodyStart();
    const bodyBytes = joined.length - bodyStart;
    const at = arena.reserve(bodyBytes + 32);
    const chunk = arena.chunk;
    chunk.set(joined.subarray(bodyStart), at);
    // A latin1 ('binary') digest string written in place costs half of a digest Buffer of its own.
    chunk.write(hash('sha256', joined, 'binary'), at + bodyBytes, 32, 'latin1');
    // Plain Uint8Array views: cheaper to make than Buffer slices, and SQLite binds them the same.
    row.payload = new Uint8Array(chunk.buffer, chunk.byteOffset + at, bodyBytes);
    row.hash = new Uint8Array(chunk.buffer, chunk.byteOffset + at + bodyBytes, 32);
    return row;
  } finally {
    blobSink = NO_SINK;
    blobArena = NO_ARENA;
  }
}

function arenaCopy(arena: RowArena, bytes: Uint8Array): Uint8Array {
  const at = arena.reserve(bytes.byteLength);
  const chunk = arena.chunk;
  chunk.set(bytes, at);
  return new Uint8Array(chunk.buffer, chunk.byteOffset + at, bytes.byteLength);
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** -0 passes the schemas' integer checks but SQLite stores it as 0: chain the value that is stored. */
function int(x: number | null | undefined): number | null {
  return x === undefined || x === null ? null : x + 0;
}
