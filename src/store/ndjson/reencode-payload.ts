import { encodeValue } from '../../events/payload-codec.js';
import { isTensor } from '../../events/tensor.js';
import { DEFAULT_BLOB_THRESHOLD } from '../prepare-event.js';
import { chainHash, type ChainedEnvelope } from '../hash-chain.js';

export interface Reencoded {
  payload: Uint8Array;
  hash: Uint8Array;
  /** Blobs the payload references, by hex sha256 (empty unless collected). */
  blobs: Map<string, Uint8Array>;
}

/**
 * Encodes an imported payload to the stored bytes whose chain hash is `expectedHex`. Which tensors
 * went to the blob table depends on the recorder's blob threshold, which runs may override; runs
 * record it in run.started, and that one is used. Runs recorded before that: after the default,
 * every threshold that changes the encoding (one per distinct tensor size) is tried. Returns the
 * first encoding when none matches, for the caller to report.
 */
export function reencodePayload(payload: unknown, envelope: ChainedEnvelope, previous: Uint8Array, expectedHex: string, collectBlobs: boolean, recordedThreshold?: number): { match: boolean } & Reencoded {
  let first: Reencoded | undefined;
  for (const threshold of candidateThresholds(payload, recordedThreshold)) {
    const blobs = new Map<string, Uint8Array>();
    const bytes = encodeValue(payload, {
      blobThreshold: threshold,
      putBlob: (h, b) => {
        if (collectBlobs) blobs.set(Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex'), b.slice());
      },
    });
    const hash = chainHash(previous, envelope, bytes);
    const r = { payload: bytes, hash, blobs };
    if (Buffer.from(hash).toString('hex') === expectedHex) return { match: true, ...r };
    first ??= r;
  }
  return { match: false, ...first! };
}

function candidateThresholds(payload: unknown, recorded: number | undefined): number[] {
  if (recorded !== undefined) return [recorded];
  const sizes = new Set<number>();
  (function walk(v: unknown): void {
    if (v === null || typeof v !== 'object') return;
    if (isTensor(v)) sizes.add(v.data.byteLength);
    else for (const x of Object.values(v)) walk(x);
  })(payload);
  // Threshold s keeps tensors of up to s bytes inline; -1 sends every tensor to the blob table.
  return [DEFAULT_BLOB_THRESHOLD, ...[...sizes].filter((s) => s !== DEFAULT_BLOB_THRESHOLD).sort((a, b) => a - b), -1];
}
